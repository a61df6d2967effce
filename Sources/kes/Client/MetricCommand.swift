import ArgumentParser
import Foundation
import KESClient
import KESCore

/// `kes metric`: the server's metrics, refreshed every `--rate` until interrupted, as KES's
/// `kes metric` does. On a terminal the summary is redrawn in place; on a pipe each scrape is one
/// line of JSON (or the raw Prometheus text with `--raw`). `--once` prints a single scrape.
struct MetricCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metric", abstract: "Show the server's metrics.")
    @OptionGroup var options: ClientOptions
    @Option(name: .long, help: "Scrape interval, a Go duration such as 5s, 500ms or 1m.") var rate = "5s"
    @Flag(name: .long, help: "Print one scrape and exit (a swift-kes addition for scripts).") var once = false
    @Flag(name: .long, help: "Print the raw Prometheus text.") var raw = false

    func run() async throws {
        guard let interval = try? parseGoDuration(rate), interval > .zero else {
            throw ClientRun.fail(UsageFailure("invalid --rate '\(rate)': use a duration such as 5s or 500ms"))
        }
        let redraw = Style.stdoutIsTerminal && !options.json && !raw && !once
        try await ClientRun.run(options) { client in
            var drawnLines = 0
            while true {
                let text = try await ClientRun.doing("failed to read metrics") { try await client.metrics() }
                var output = render(text)
                if redraw && drawnLines > 0 {
                    // Back to the first line of the previous summary, and clear from there.
                    output = "\u{1B}[\(drawnLines)F\u{1B}[J" + output
                }
                drawnLines = output.split(separator: "\n", omittingEmptySubsequences: false).count - 1
                // A reader that went away (`kes metric | head -1`) ends the command.
                guard Self.write(output) else { return }
                if once { return }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// One scrape as printed, ending in a newline.
    private func render(_ text: String) -> String {
        if raw { return text.hasSuffix("\n") ? text : text + "\n" }
        let samples = Self.parse(text)
        if options.jsonOrPiped {
            let encoder = options.json && Style.stdoutIsTerminal ? JSONEncoder.kesCLI : JSONEncoder.kes
            encoder.outputFormatting.insert(.sortedKeys)
            return ((try? encoder.encode(samples)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
        }
        let style = options.style
        let value = { (name: String) in samples[name].map(Self.format) ?? "0" }
        var table = Table()
        table.add(style.dim("Requests OK"), style.green(value("kes_http_request_success")))
        table.add(style.dim("Requests 4xx"), style.yellow(value("kes_http_request_error")))
        table.add(style.dim("Requests 5xx"), style.red(value("kes_http_request_failure")))
        table.add(style.dim("Requests active"), value("kes_http_request_active"))
        table.add(style.dim("Audit events"), value("kes_log_audit_events"))
        table.add(style.dim("Error events"), value("kes_log_error_events"))
        table.add(style.dim("Uptime"), Output.duration(seconds: samples["kes_system_up_time"] ?? 0))
        table.add(style.dim("CPUs"), "\(value("kes_system_num_cpu_used")) used of \(value("kes_system_num_cpu"))")
        table.add(style.dim("Heap"), Output.bytes(UInt64(max(0, samples["kes_system_mem_heap_used"] ?? 0))))
        return table.render(style: style) + "\n"
    }

    /// Writes unbuffered, so each scrape shows at once; false once the reader is gone.
    private static func write(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Foundation.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            bytes = bytes.dropFirst(count)
        }
        return true
    }

    /// Sums every series of a family, so labelled counters become totals.
    static func parse(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let number = Double(parts[1]) else { continue }
            let name = String(parts[0].prefix { $0 != "{" })
            samples[name, default: 0] += number
        }
        return samples
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value)
    }
}

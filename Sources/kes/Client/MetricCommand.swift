import ArgumentParser
import Foundation
import KESClient
import KESCore

/// `kes metric`: a summary of the server's Prometheus metrics, once or every `--rate`.
struct MetricCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metric", abstract: "Show the server's metrics.")
    @OptionGroup var options: ClientOptions
    @Option(name: .long, help: "Refresh at this interval until interrupted (a duration: 5s, 500ms, 1m).") var rate: String?
    @Flag(name: .long, help: "Print the raw Prometheus text.") var raw = false

    func run() async throws {
        var interval: Duration?
        if let rate {
            guard let parsed = try? parseGoDuration(rate), parsed > .zero else {
                throw ClientRun.fail(UsageFailure("invalid --rate '\(rate)': use a duration such as 5s or 500ms"))
            }
            interval = parsed
        }
        try await ClientRun.run(options) { client in
            repeat {
                let text = try await ClientRun.doing("failed to read metrics") { try await client.metrics() }
                show(text)
                if let interval { try await Task.sleep(for: interval) }
            } while interval != nil
        }
    }

    private func show(_ text: String) {
        if raw {
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
            return
        }
        let samples = Self.parse(text)
        if options.json {
            try? Output.json(samples)
            return
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
        print(table.render(style: style))
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

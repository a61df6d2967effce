import ArgumentParser
import Foundation
import KESClient

/// `kes log [--audit|--error]`: follows a server log until interrupted.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Follow the server's audit or error log.")
    @OptionGroup var options: ClientOptions
    @Flag(name: .long, help: "Follow the audit log (the default).") var audit = false
    @Flag(name: .long, help: "Follow the error log.") var error = false

    func validate() throws {
        if audit && error { throw ValidationError("choose one of --audit and --error") }
    }

    func run() async throws {
        try await ClientRun.run(options) { client in
            let style = options.style
            if error {
                let events = try await ClientRun.doing("failed to open the error log") { try await client.errorLog() }
                for try await event in events {
                    if options.jsonOrPiped { try printCompact(event) } else { emit(style.red(event.message)) }
                }
                return
            }
            let events = try await ClientRun.doing("failed to open the audit log") { try await client.auditLog() }
            if !options.jsonOrPiped {
                emit(style.bold(Self.line(time: "Time", identity: "Identity", ip: "IP", code: "Status", latency: "Latency", path: "Path")))
            }
            for try await event in events {
                // On a pipe, one JSON object per line, as KES's `kes log` prints there.
                if options.jsonOrPiped { try printCompact(event); continue }
                let code = event.response.code
                let codeText = code < 300 ? style.green(String(code)) : code < 500 ? style.yellow(String(code)) : style.red(String(code))
                emit(Self.line(
                    time: Self.clock(event.time), identity: String((event.request.identity ?? "-").prefix(16)),
                    ip: event.request.ip ?? "-", code: codeText,
                    latency: Self.latency(nanoseconds: event.response.time), path: event.request.path))
            }
        }
    }

    /// One NDJSON line per event, so the output can be piped.
    private func printCompact<T: Encodable>(_ event: T) throws {
        emit(String(decoding: try JSONEncoder.kes.encode(event), as: UTF8.self))
    }

    /// Written unbuffered: a followed log must show each event as it arrives.
    private func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func line(time: String, identity: String, ip: String, code: String, latency: String, path: String) -> String {
        func pad(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(1, width - Table.visibleWidth(text)))
        }
        return pad(time, 10) + pad(identity, 18) + pad(ip, 16) + pad(code, 8) + pad(latency, 10) + path
    }

    static func clock(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "HH:mm:ss"
        return formatter.string(from: date)
    }

    static func latency(nanoseconds: Int64) -> String {
        if nanoseconds >= 1_000_000_000 { return String(format: "%.1fs", Double(nanoseconds) / 1e9) }
        if nanoseconds >= 1_000_000 { return String(format: "%.1fms", Double(nanoseconds) / 1e6) }
        return String(format: "%.0fµs", Double(nanoseconds) / 1e3)
    }
}

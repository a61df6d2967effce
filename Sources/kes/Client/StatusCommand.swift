import ArgumentParser
import Foundation
import KESClient

/// `kes status`: each server's version, uptime, latency and key store state, as KES shows it.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the state of the server(s) and key store.")
    @OptionGroup var options: ClientOptions
    @Flag(name: .shortAndLong, help: "One line per server.") var short = false
    @Flag(name: .long, help: "Also list the server's API routes.") var api = false

    struct Report: Encodable {
        var endpoint: String
        var reachable: Bool
        var error: String?
        /// Client-side round trip of the status call, in milliseconds.
        var latency: Double?
        var status: ServerStatus?
        var api: [APIRoute]?
    }

    func run() async throws {
        let endpoints = ClientOptions.endpoints(ProcessInfo.processInfo.environment)
        var reports: [Report] = []
        for endpoint in endpoints {
            // One client per endpoint: status is about each server, not about failover.
            let client: KESClient
            do {
                client = try options.makeClient(endpoints: [endpoint])
            } catch {
                throw ClientRun.fail(error, options: options)
            }
            var report = Report(endpoint: client.endpoints[0], reachable: false)
            do {
                let start = ContinuousClock.now
                report.status = try await client.status()
                let elapsed = ContinuousClock.now - start
                report.latency = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
                report.reachable = true
                if api { report.api = try await client.api() }
            } catch {
                report.error = (error as? KESError)?.message ?? "\(error)"
            }
            try? await client.shutdown()
            reports.append(report)
        }
        // On a pipe, JSON, as KES's `kes status` prints it there.
        if options.jsonOrPiped {
            try Output.json(endpoints.count == 1 ? AnyEncodable(reports[0]) : AnyEncodable(reports))
        } else {
            for (index, report) in reports.enumerated() {
                if index > 0 && !short { print() }
                print(render(report))
            }
        }
        if reports.contains(where: { !$0.reachable }) {
            for report in reports where !report.reachable {
                _ = ClientRun.fail(CommandFailure("\(report.endpoint): \(report.error ?? "unreachable")"), options: options)
            }
            throw ExitCode(1)
        }
    }

    func render(_ report: Report) -> String {
        let style = options.style
        guard let status = report.status else {
            return "\(style.red("●")) \(style.bold(report.endpoint))  \(style.red("unreachable"))"
        }
        let latency = report.latency.map { String(format: "%.0fms", $0.rounded(.up)) } ?? "-"
        let store: String
        if status.keyStoreUnreachable {
            store = style.red("unreachable")
        } else if status.keyStoreUnavailable {
            store = style.red("unavailable")
        } else {
            store = style.green("available")
        }
        let dot = status.keyStoreUnavailable ? style.yellow("●") : style.green("●")
        if short {
            return "\(dot) \(style.bold(report.endpoint))  \(status.version)  up \(Output.duration(seconds: status.uptime))  \(latency)  keystore \(store)"
        }
        var table = Table()
        table.add(style.dim("Version"), status.version)
        table.add(style.dim("Uptime"), Output.duration(seconds: status.uptime))
        table.add(style.dim("Latency"), latency)
        table.add(style.dim("OS"), "\(status.os)/\(status.arch)")
        table.add(style.dim("CPUs"), "\(status.usableCPUs) used of \(status.cpus)")
        table.add(style.dim("Memory"), "heap \(Output.bytes(status.heapUsed)), stack \(Output.bytes(status.stackUsed))")
        var keystore = Table()
        keystore.add(style.dim("State"), store)
        keystore.add(style.dim("Latency"), status.keyStoreLatency.map { "\($0)ms" } ?? "-")
        var text = "\(dot) \(style.bold(report.endpoint))\n" + table.render(style: style, indent: "  ")
        text += "\n\n" + style.bold("Keystore") + "\n" + keystore.render(style: style, indent: "  ")
        if let routes = report.api {
            var apiTable = Table(header: ["Method", "Path", "Timeout", "Max body"])
            for route in routes {
                apiTable.add(route.method, route.path, route.timeout == 0 ? "-" : "\(route.timeout)s", String(route.maxBody))
            }
            text += "\n\n" + style.bold("API") + "\n" + apiTable.render(style: style, indent: "  ")
        }
        return text
    }
}

/// Lets one code path print either a single object or a list.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}

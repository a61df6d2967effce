import Foundation
import KESCore

/// The result of `--hold`, printed for people or as one JSON object for scripts.
struct HoldReport: Codable, Sendable {
    let server: String
    let connections: Int
    let threads: Int
    let holdSeconds: Double
    let held: Int
    let failed: Int
    let dropped: Int
    let openSeconds: Double
    /// Connections opened and answered 2xx per second of `openSeconds`.
    let handshakesPerSecond: Double
    let firstFailure: String?

    enum CodingKeys: String, CodingKey {
        case server, connections, threads, held, failed, dropped
        case holdSeconds = "hold_seconds", openSeconds = "open_seconds", handshakesPerSecond = "handshakes_per_second"
        case firstFailure = "first_failure"
    }

    init(plans: [LoadPlan], threads: Int, holdNanoseconds: UInt64, outcome: HoldRun.Outcome) {
        server = plans.map { "https://\($0.address.authority)" }.joined(separator: ",")
        connections = plans[0].connections
        self.threads = threads
        holdSeconds = Double(holdNanoseconds) / 1e9
        held = outcome.held
        failed = outcome.failed
        dropped = outcome.dropped
        openSeconds = (outcome.openSeconds * 1e6).rounded() / 1e6
        handshakesPerSecond = outcome.openSeconds > 0 ? (Double(outcome.held) / outcome.openSeconds * 10).rounded() / 10 : 0
        firstFailure = outcome.firstFailure
    }

    func json() throws -> String {
        String(decoding: try JSONEncoder.kes.encode(self), as: UTF8.self)
    }

    var text: String {
        var lines = [
            "hold: \(server)",
            "  \(connections) connections, \(threads) threads, at most \(LimitedLaunch.handshakes) handshakes at a time, held \(String(format: "%g", holdSeconds)) s",
            "",
            "  held        \(held)  (failed \(failed); closed by the server while idle \(dropped))",
            "  opened in   \(String(format: "%.3f", openSeconds)) s  (\(String(format: "%.1f", handshakesPerSecond)) handshakes/s)",
        ]
        if let firstFailure { lines.append("  first failure: \(firstFailure)") }
        return lines.joined(separator: "\n")
    }
}

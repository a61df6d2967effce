import Foundation
import KESCore

/// The result of a run, printed for people or as one JSON object for scripts.
struct BenchReport: Codable, Sendable {
    struct Latency: Codable, Sendable {
        let min: Double
        let mean: Double
        let p50: Double
        let p90: Double
        let p99: Double
        let p999: Double
        let max: Double
    }

    let server: String
    let operation: String
    let method: String
    let path: String
    let identity: String?
    let mode: String
    let connections: Int
    let threads: Int
    /// Target request rate in open-loop mode.
    let rate: Double?
    /// `--keys`: how many keys the requests went round.
    let keys: Int?
    /// `--requests`: the run's size; it then lasted `durationSeconds`.
    let requestLimit: Int?
    let warmupSeconds: Double
    let durationSeconds: Double
    /// Answers in the measured window, whatever their status.
    let requests: UInt64
    let requestsPerSecond: Double
    /// 2xx answers per second.
    let okPerSecond: Double
    /// Latency samples: requests started (or due, in open loop) in the window and answered.
    let samples: UInt64
    /// Non-2xx answers + connection errors + timeouts.
    let errors: UInt64
    let non2xx: UInt64
    let connectionErrors: UInt64
    let timeouts: UInt64
    let reconnects: UInt64
    /// Non-2xx answers by status code.
    let statuses: [String: UInt64]
    let firstConnectionError: String?
    /// Microseconds; in open-loop mode measured from when each request was due.
    let latencyMicroseconds: Latency

    enum CodingKeys: String, CodingKey {
        case server, operation, method, path, identity, mode, connections, threads, rate, keys
        case requestLimit = "request_limit"
        case warmupSeconds = "warmup_s", durationSeconds = "duration_s"
        case requests, samples, requestsPerSecond = "rps", okPerSecond = "ok_rps"
        case errors, non2xx = "non_2xx", connectionErrors = "connection_errors", timeouts, reconnects, statuses
        case firstConnectionError = "first_connection_error", latencyMicroseconds = "latency_us"
    }

    init(plans: [LoadPlan], operation: String, identity: String?, threads: Int, outcome: LoadRun.Outcome) {
        let plan = plans[0]
        let stats = outcome.stats
        let histogram = stats.latencies
        func micros(_ nanoseconds: UInt64) -> Double { (Double(nanoseconds) / 100).rounded() / 10 }
        server = plans.map { "https://\($0.address.authority)" }.joined(separator: ",")
        self.operation = operation
        method = plan.request.head.method.rawValue
        path = plan.keys?.pathPattern ?? plan.request.head.uri
        self.identity = identity
        mode = plan.rate == nil ? "closed" : "open"
        connections = plan.connections
        self.threads = threads
        rate = plan.rate
        keys = plan.keys?.count
        requestLimit = plan.requestLimit
        warmupSeconds = Double(plan.warmupNanoseconds) / 1e9
        durationSeconds = (outcome.measuredSeconds * 1e6).rounded() / 1e6
        requests = stats.answered
        samples = histogram.totalCount
        // A --requests run that got no answer at all may have lasted no time; JSON has no NaN.
        func perSecond(_ count: UInt64) -> Double {
            outcome.measuredSeconds > 0 ? (Double(count) / outcome.measuredSeconds * 10).rounded() / 10 : 0
        }
        requestsPerSecond = perSecond(stats.answered)
        okPerSecond = perSecond(stats.succeeded)
        non2xx = stats.failedStatusCount
        connectionErrors = stats.connectionErrors
        timeouts = stats.timeouts
        errors = non2xx + connectionErrors + timeouts
        reconnects = stats.reconnects
        statuses = Dictionary(uniqueKeysWithValues: stats.failedStatuses.map { (String($0.key), $0.value) })
        firstConnectionError = stats.firstConnectionError
        latencyMicroseconds = Latency(
            min: micros(histogram.totalCount == 0 ? 0 : histogram.minimum),
            mean: (histogram.mean / 100).rounded() / 10,
            p50: micros(histogram.value(atPercentile: 50)),
            p90: micros(histogram.value(atPercentile: 90)),
            p99: micros(histogram.value(atPercentile: 99)),
            p999: micros(histogram.value(atPercentile: 99.9)),
            max: micros(histogram.maximum))
    }

    func json() throws -> String {
        String(decoding: try JSONEncoder.kes.encode(self), as: UTF8.self)
    }

    var text: String {
        let loop = rate.map { "open loop at \(Self.number($0)) req/s" } ?? "closed loop"
        let length =
            requestLimit.map { "--requests \($0), done in \(String(format: "%.3f", durationSeconds)) s" }
            ?? "\(Self.number(durationSeconds)) s after \(Self.number(warmupSeconds)) s warm-up"
        var lines = [
            "\(operation): \(method) \(server)\(path)",
            "  \(connections) connections, \(threads) threads, \(loop), \(length)",
        ]
        if let identity { lines.append("  identity \(identity)") }
        lines += [
            "",
            "  requests    \(requests)  (\(Self.number(requestsPerSecond)) req/s, \(Self.number(okPerSecond)) ok/s)",
            "  errors      \(errors)  (non-2xx \(non2xx), connection \(connectionErrors), lost \(timeouts); reconnects \(reconnects))",
        ]
        if !statuses.isEmpty {
            lines.append("  statuses    " + statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))
        }
        if let firstConnectionError { lines.append("  first connection error: \(firstConnectionError)") }
        let latency = latencyMicroseconds
        lines.append("  latency     p50 \(Self.time(latency.p50))  p90 \(Self.time(latency.p90))  p99 \(Self.time(latency.p99))  "
            + "p99.9 \(Self.time(latency.p999))  max \(Self.time(latency.max))  mean \(Self.time(latency.mean))")
        return lines.joined(separator: "\n")
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    private static func time(_ microseconds: Double) -> String {
        microseconds >= 1000 ? String(format: "%.2fms", microseconds / 1000) : String(format: "%.0fµs", microseconds)
    }
}

import NIOCore
import NIOHTTP1
import NIOSSL

/// Everything every connection needs to know about the run; immutable and shared.
struct LoadPlan: Sendable {
    let address: ServerAddress
    let socketAddress: SocketAddress
    let tlsContext: NIOSSLContext
    let request: RequestTemplate
    let connections: Int
    /// Requests per second over all connections; nil for a closed loop.
    let rate: Double?
    let warmupNanoseconds: UInt64
    let durationNanoseconds: UInt64
    /// How long after the end a connection may wait for its last answer before counting it as lost;
    /// with `--requests`, how long a request may go unanswered.
    let graceNanoseconds: UInt64
    /// `--keys`: the keys the requests go round; nil sends every request to the same path.
    let keys: KeyCycle?
    /// Shared by all connections of the run (and all servers); nil when requests need no numbers.
    let tickets: RequestTickets?

    /// `--requests`: the run ends when this many have been sent and answered, not at a time.
    var requestLimit: Int? { tickets?.limit }
}

/// The run's time line on the monotonic clock (`NIODeadline` uptime nanoseconds).
struct RunClock: Sendable {
    let start: UInt64
    let measureStart: UInt64
    let measureEnd: UInt64
    let giveUp: UInt64

    init(start: UInt64, plan: LoadPlan) {
        self.start = start
        measureStart = start + plan.warmupNanoseconds
        if plan.requestLimit != nil {
            // The last answer ends the run, whenever it comes.
            measureEnd = .max
            giveUp = .max
        } else {
            measureEnd = measureStart + plan.durationNanoseconds
            giveUp = measureEnd + plan.graceNanoseconds
        }
    }

    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}

/// What one connection measured in the run's window.
struct ConnectionStats: Sendable {
    var latencies = LatencyHistogram()
    /// Answers received inside the window, whatever their status, and those with a 2xx status.
    var answered: UInt64 = 0
    var succeeded: UInt64 = 0
    /// Answers with a status outside 200–299, by status.
    var failedStatuses: [UInt: UInt64] = [:]
    /// Connects that failed, and channels that broke (TLS or socket errors, or a close with a request outstanding).
    var connectionErrors: UInt64 = 0
    /// Requests still unanswered when the grace period after the run ran out.
    var timeouts: UInt64 = 0
    var reconnects: UInt64 = 0
    var firstConnectionError: String?
    /// When the last answer of the run came in, for the elapsed time of a `--requests` run.
    var lastAnswer: UInt64 = 0

    mutating func merge(_ other: ConnectionStats) {
        latencies.merge(other.latencies)
        answered += other.answered
        succeeded += other.succeeded
        failedStatuses.merge(other.failedStatuses, uniquingKeysWith: +)
        connectionErrors += other.connectionErrors
        timeouts += other.timeouts
        reconnects += other.reconnects
        firstConnectionError = firstConnectionError ?? other.firstConnectionError
        lastAnswer = max(lastAnswer, other.lastAnswer)
    }

    var failedStatusCount: UInt64 { failedStatuses.values.reduce(0, +) }
}

/// The first request on a connection was not answered with a 2xx: the run cannot be meaningful.
struct PrimingFailure: Error, CustomStringConvertible {
    let description: String
}

extension LoadPlan {
    /// TLS and the HTTP/1.1 client codec: what every kes-bench connection starts with.
    func addClientHandlers(to channel: any Channel) throws {
        try channel.pipeline.syncOperations.addHandler(
            NIOSSLClientHandler(context: tlsContext, serverHostname: address.serverNameIndication))
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
    }
}

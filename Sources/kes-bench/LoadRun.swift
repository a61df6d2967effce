import NIOCore
import NIOPosix

/// Runs a plan: opens every connection, primes each with one request, starts them together and
/// collects what they measured.
enum LoadRun {
    struct Outcome: Sendable {
        let stats: ConnectionStats
        /// Wall time from the first to the last measured moment, for req/s.
        let measuredSeconds: Double
    }

    /// Blocks the calling thread (never an event loop) until the run is over. With several plans
    /// (one per server, otherwise alike) connection `i` goes to server `i` modulo their number.
    static func run(_ plans: [LoadPlan], group: any EventLoopGroup) throws -> Outcome {
        let plan = plans[0]
        var connections: [NIOLoopBound<LoadConnection>] = []
        var primed: [EventLoopFuture<Void>] = []
        var done: [EventLoopFuture<ConnectionStats>] = []
        for index in 0..<plan.connections {
            let eventLoop = group.next()
            let connection = try eventLoop.submit {
                let connection = LoadConnection(index: index, plan: plans[index % plans.count], eventLoop: eventLoop)
                connection.connect()
                return Started(
                    bound: NIOLoopBound(connection, eventLoop: eventLoop),
                    primed: connection.primedFuture, done: connection.doneFuture)
            }.wait()
            connections.append(connection.bound)
            primed.append(connection.primed)
            done.append(connection.done)
        }

        do {
            try EventLoopFuture.andAllSucceed(primed, on: group.next()).wait()
        } catch {
            for connection in connections {
                connection.eventLoop.execute { connection.value.finish() }
            }
            throw error
        }

        // A common start a little in the future, so the open-loop schedules of all connections line up.
        let clock = RunClock(start: RunClock.now() + 1_000_000, plan: plan)
        for connection in connections {
            connection.eventLoop.execute { connection.value.start(clock) }
        }
        var total = ConnectionStats()
        for result in try EventLoopFuture.whenAllComplete(done, on: group.next()).wait() {
            total.merge(try result.get())
        }
        guard plan.requestLimit != nil else {
            return Outcome(stats: total, measuredSeconds: Double(plan.durationNanoseconds) / 1e9)
        }
        // A --requests run lasts as long as its requests took: from the common start to the last answer.
        let end = total.lastAnswer > 0 ? total.lastAnswer : RunClock.now()
        return Outcome(stats: total, measuredSeconds: Double(max(end, clock.start) - clock.start) / 1e9)
    }

    private struct Started: Sendable {
        let bound: NIOLoopBound<LoadConnection>
        let primed: EventLoopFuture<Void>
        let done: EventLoopFuture<ConnectionStats>
    }
}

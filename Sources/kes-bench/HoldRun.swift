import Foundation
import NIOCore

/// `--hold`: opens many connections, proves each with one request, then leaves them all idle for a
/// while, so that what idle keep-alive connections cost the server (memory, descriptors, timers) can be
/// watched from outside, and how fast it takes them on is measured.
enum HoldRun {
    struct Outcome: Sendable {
        /// Connections whose request was answered 2xx, and the others (connect, TLS or HTTP failure, or a non-2xx answer).
        let held: Int
        let failed: Int
        /// Held connections the server had closed by the end of the hold (its idle timeout, say).
        let dropped: Int
        /// From the first connect to the last connection settled.
        let openSeconds: Double
        let firstFailure: String?
    }

    /// Blocks the calling thread (never an event loop) for the whole hold. Connection `i` goes to
    /// server `i` modulo their number, as in a load run.
    static func run(_ plans: [LoadPlan], holdNanoseconds: UInt64, group: any EventLoopGroup) -> Outcome {
        let start = RunClock.now()
        let results = LimitedLaunch.run(count: plans[0].connections) { index in
            let plan = plans[index % plans.count]
            return OneShotRequest.send(plan.request, plan: plan, on: group.next(), keepOpen: true).flatMapThrowing { reply in
                guard let channel = reply.channel, (200..<300).contains(reply.status) else {
                    reply.channel?.close(promise: nil)
                    let text = reply.body.trimmingCharacters(in: .whitespacesAndNewlines)
                    throw SetupFailure(description: "the server answered \(reply.status) \(text.prefix(200))")
                }
                return channel
            }
        }
        let openSeconds = Double(RunClock.now() - start) / 1e9

        var channels: [any Channel] = []
        var firstFailure: String?
        for result in results {
            switch result {
            case .success(let channel): channels.append(channel)
            case .failure(let error): firstFailure = firstFailure ?? "\(error)"
            }
        }
        // Whoever watches the server (RSS, descriptors) waits for this line; stderr is unbuffered.
        FileHandle.standardError.write(Data("kes-bench: holding \(channels.count) connections\n".utf8))
        Thread.sleep(forTimeInterval: Double(holdNanoseconds) / 1e9)

        let dropped = channels.count { !$0.isActive }
        let closed = channels.map { $0.close() }
        // Closing one the server already closed fails; that changes nothing here.
        _ = try? EventLoopFuture.whenAllComplete(closed, on: group.next()).wait()
        return Outcome(
            held: channels.count, failed: results.count - channels.count, dropped: dropped,
            openSeconds: openSeconds, firstFailure: firstFailure)
    }
}

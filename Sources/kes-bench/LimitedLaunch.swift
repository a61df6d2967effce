import Dispatch
import NIOCore

/// Starts many connections without swamping the server with handshakes: at most `limit` are under way
/// at any moment, the next one starting as soon as one settles.
enum LimitedLaunch {
    /// Enough to keep a server's cores busy with handshakes, few enough that its accept queue and
    /// handshake timeouts are not what gets measured.
    static let handshakes = 64

    /// Blocks the calling thread (never an event loop) until every operation has settled, and returns
    /// their outcomes in order. Nothing is retried.
    static func run<Value: Sendable>(
        count: Int, limit: Int = handshakes, _ start: (Int) -> EventLoopFuture<Value>
    ) -> [Result<Value, any Error>] {
        let slots = DispatchSemaphore(value: limit)
        var futures: [EventLoopFuture<Value>] = []
        futures.reserveCapacity(count)
        for index in 0..<count {
            slots.wait()
            let future = start(index)
            future.whenComplete { _ in slots.signal() }
            futures.append(future)
        }
        return futures.map { future in Result { try future.wait() } }
    }
}

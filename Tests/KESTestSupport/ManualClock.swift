import Synchronization

/// A clock that only moves when a test calls `advance(by:)`, so time-dependent code
/// (cache expiry, health loops, token renewal) is tested without sleeping.
///
/// Its instants are `ContinuousClock.Instant`s, starting at the real time of creation,
/// so it can stand in wherever a `ContinuousClock` is injected (`KeyStoreClock`,
/// `KeyCache(store:policy:clock:)`).
///
/// Sleepers are kept as (deadline, continuation) pairs; `advance` resumes, in deadline
/// order, every sleeper whose deadline has been reached. A cancelled sleeper is resumed at
/// once with `CancellationError`. To wait for a background loop to react to `advance`,
/// call `waitForSleepers(_:)`: the loop has caught up once it sleeps on the clock again.
public final class ManualClock: Clock {
    public typealias Instant = ContinuousClock.Instant

    private struct Sleeper {
        let id: UInt64
        let deadline: Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Waiter {
        let id: UInt64
        let count: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private enum SleepOutcome {
        case registered, due, cancelled
    }

    private struct State {
        var now: Instant
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        var waiters: [Waiter] = []
        /// Ids whose task was cancelled before the sleeper or waiter was registered.
        var cancelled: Set<UInt64> = []

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }

        /// Removes and returns the waiters satisfied by the current number of sleepers.
        mutating func satisfiedWaiters() -> [Waiter] {
            let count = sleepers.count
            let ready = waiters.filter { $0.count <= count }
            waiters.removeAll { $0.count <= count }
            return ready
        }
    }

    private let state: Mutex<State>

    public init(now: Instant = ContinuousClock.now) {
        self.state = Mutex(State(now: now))
    }

    public var now: Instant { state.withLock { $0.now } }

    public var minimumResolution: Swift.Duration { .zero }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline anyone sleeps until, if anyone sleeps.
    public var nextDeadline: Instant? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    /// Moves the clock forward by `duration` and wakes every sleeper whose deadline has come.
    public func advance(by duration: Swift.Duration) {
        precondition(duration >= .zero, "a clock does not go back")
        let due: [Sleeper] = state.withLock { state in
            let now = state.now + duration
            state.now = now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Moves the clock forward to `instant` (no-op if it is already there or past it).
    public func advance(to instant: Instant) {
        let now = self.now
        if instant > now { advance(by: now.duration(to: instant)) }
    }

    public func sleep(until deadline: Instant, tolerance: Swift.Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = state.withLock { $0.makeID() }
        defer { state.withLock { _ = $0.cancelled.remove(id) } }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (outcome, ready): (SleepOutcome, [Waiter]) = state.withLock { state in
                    if state.cancelled.contains(id) { return (.cancelled, []) }
                    if deadline <= state.now { return (.due, []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return (.registered, state.satisfiedWaiters())
                }
                switch outcome {
                case .registered: break
                case .due: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                }
                for waiter in ready { waiter.continuation.resume(returning: true) }
            }
        } onCancel: {
            let sleeper: Sleeper? = state.withLock { state in
                if let index = state.sleepers.firstIndex(where: { $0.id == id }) {
                    return state.sleepers.remove(at: index)
                }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Waits until at least `count` tasks sleep on this clock, e.g. until a background loop
    /// has handled the last `advance` and gone back to sleep.
    ///
    /// - Parameter timeout: real time after which it gives up; a guard against a hung test,
    ///   never a means of synchronisation.
    /// - Returns: false when `timeout` passed or the task was cancelled first.
    @discardableResult
    public func waitForSleepers(_ count: Int = 1, timeout: Swift.Duration = .seconds(30)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.sleepersReach(count) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let reached = await group.next() ?? false
            group.cancelAll()
            return reached
        }
    }

    private func sleepersReach(_ count: Int) async -> Bool {
        let id = state.withLock { $0.makeID() }
        defer { state.withLock { _ = $0.cancelled.remove(id) } }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let ready: Bool? = state.withLock { state in
                    if state.sleepers.count >= count { return true }
                    if state.cancelled.contains(id) { return false }
                    state.waiters.append(Waiter(id: id, count: count, continuation: continuation))
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter: Waiter? = state.withLock { state in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index)
                }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.continuation.resume(returning: false)
        }
    }
}

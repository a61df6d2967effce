/// The clock the key cache and the backends' background loops (health probes, expiry
/// sweeps, token renewal) read and sleep on.
///
/// In production it is `ContinuousClock`, read directly. Tests inject any `Clock` whose
/// instants are `ContinuousClock.Instant` (a manual clock that only moves when told to),
/// so nothing that depends on time has to sleep.
///
/// It is a small concrete value rather than `any Clock<Duration>` because the users
/// keep and compare instants, which an existential clock's opaque `Instant` does not allow.
public struct KeyStoreClock: Sendable {
    private enum Source: Sendable {
        case continuous
        case injected(
            now: @Sendable () -> ContinuousClock.Instant,
            sleep: @Sendable (ContinuousClock.Instant) async throws -> Void
        )
    }

    private let source: Source

    /// The real clock: `ContinuousClock`, which keeps counting while the machine sleeps.
    public static let continuous = KeyStoreClock(source: .continuous)

    private init(source: Source) {
        self.source = source
    }

    /// Wraps `clock`; a `ContinuousClock` becomes `.continuous`.
    public init<C: Clock>(_ clock: C) where C.Instant == ContinuousClock.Instant {
        if clock is ContinuousClock {
            self.source = .continuous
        } else {
            self.source = .injected(
                now: { clock.now },
                sleep: { deadline in try await clock.sleep(until: deadline, tolerance: nil) }
            )
        }
    }

    public var now: ContinuousClock.Instant {
        switch source {
        case .continuous: return ContinuousClock.now
        case .injected(let readNow, _): return readNow()
        }
    }

    /// Sleeps for `duration` on this clock.
    /// - Throws: `CancellationError` when the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        switch source {
        case .continuous: try await Task.sleep(for: duration)
        case .injected(let readNow, let sleepUntil): try await sleepUntil(readNow() + duration)
        }
    }

    /// Sleeps until this clock reads `deadline`.
    /// - Throws: `CancellationError` when the task is cancelled.
    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        switch source {
        case .continuous: try await ContinuousClock().sleep(until: deadline, tolerance: nil)
        case .injected(_, let sleepUntil): try await sleepUntil(deadline)
        }
    }
}

import Foundation
import Logging
import Synchronization

/// Writes error lines through a `Logger`, dropping a line that is identical to
/// one written less than `window` ago, so that a failing KMS key that every
/// request trips over yields one line per distinct failure rather than a flood.
final class DeduplicatingErrorLog: Sendable {
    private let logger: Logger
    private let window: Duration
    private let lastWritten = Mutex<[String: ContinuousClock.Instant]>([:])

    init(logger: Logger, window: Duration = .seconds(60)) {
        self.logger = logger
        self.window = window
    }

    /// Logs `line` at error level unless it was logged within the window.
    /// Returns whether it was written.
    @discardableResult
    func error(_ line: String) -> Bool {
        let now = ContinuousClock.now
        let shouldWrite = lastWritten.withLock { seen -> Bool in
            if let last = seen[line], now - last < window {
                return false
            }
            // Forget stale entries so the table stays as small as the set of live failures.
            if seen.count > 256 {
                seen = seen.filter { now - $0.value < window }
            }
            seen[line] = now
            return true
        }
        if shouldWrite {
            logger.error("\(line)")
        }
        return shouldWrite
    }
}

import Logging
import Synchronization

/// Collects what a `Logger` writes, so tests can assert on error-log lines.
public final class LogRecorder: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String)]>([])

    public init() {}

    public var logger: Logger {
        Logger(label: "kes.test") { _ in RecordingHandler(recorder: self) }
    }

    /// Every message, whatever its level, in order.
    public var messages: [String] { lines.withLock { $0.map(\.message) } }

    /// Messages logged at error level or above, in order.
    public var errors: [String] { lines.withLock { $0.filter { $0.level >= .error }.map(\.message) } }

    public func record(_ level: Logger.Level, _ message: String) {
        lines.withLock { $0.append((level, message)) }
    }

    private struct RecordingHandler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(event.level, event.message.description)
        }
    }
}

import Logging
import Synchronization

/// Collects the messages a `Logger` writes, so tests can assert on error-log lines.
final class CapturedLog: Sendable {
    private let entries = Mutex<[(level: Logger.Level, message: String)]>([])

    var logger: Logger {
        Logger(label: "kes.aws.test") { _ in CapturingLogHandler(sink: self) }
    }

    func append(_ level: Logger.Level, _ message: String) {
        entries.withLock { $0.append((level, message)) }
    }

    /// Messages logged at error level, in order.
    var errors: [String] {
        entries.withLock { $0.filter { $0.level == .error }.map(\.message) }
    }
}

struct CapturingLogHandler: LogHandler {
    let sink: CapturedLog
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.append(event.level, event.message.description)
    }
}

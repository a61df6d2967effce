import Foundation
import Logging
import Synchronization

/// The server's error log (docs/compatibility.md, "Error log"): each line goes to stderr (unless
/// `log.error: off`), to every `/v1/log/error` subscriber and to `kes_log_error_events`.
public final class ErrorLog: Sendable {
    let stream: LogStream
    private let writeToStderr: Atomic<Bool>
    private let counter: @Sendable () -> Void

    init(stderr: Bool, counter: @escaping @Sendable () -> Void) {
        self.writeToStderr = Atomic(stderr)
        self.counter = counter
        self.stream = LogStream(name: "error")
    }

    func setStderr(_ enabled: Bool) {
        writeToStderr.store(enabled, ordering: .relaxed)
    }

    /// Logs `message` with KES's `YYYY/MM/DD HH:MM:SS` prefix.
    public func log(_ message: String) {
        let line = "\(ErrorLog.timestamp()) \(message)"
        counter()
        if writeToStderr.load(ordering: .relaxed) {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if stream.hasSubscribers {
            var bytes = JSONWriter.message(line)
            bytes.append(0x0A)
            stream.publish(bytes)
        }
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)/\(pad(parts.tm_mon + 1))/\(pad(parts.tm_mday)) \(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))"
    }
}

/// A swift-log handler that routes error-level records (from backends, TLS, reloads)
/// into the error log, and nothing below warning anywhere.
public struct ErrorLogHandler: LogHandler {
    let errorLog: ErrorLog
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .warning

    public init(errorLog: ErrorLog) {
        self.errorLog = errorLog
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var text = "\(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if !merged.isEmpty {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        if event.level >= .error {
            errorLog.log(text)
        } else {
            FileHandle.standardError.write(Data("\(ErrorLog.timestamp()) \(event.level): \(text)\n".utf8))
        }
    }
}

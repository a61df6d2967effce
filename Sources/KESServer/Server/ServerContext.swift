import KESCore
import KESKeyStore
import Logging
import Synchronization

/// The shared, thread-safe state every connection handler works with.
final class ServerContext: Sendable {
    let cache: KeyCache
    let audit: AuditLog
    let errorLog: ErrorLog
    let metrics: ServerMetrics
    let logger: Logger
    let startedAt: ContinuousClock.Instant
    /// Settings and the forwarded-chain check change together on reload, so they are read
    /// together: a request must never meet a new proxy setting with the old (absent) check.
    private let current: Mutex<(settings: ServerSettings, forwardedChains: ForwardedChainVerifier?)>

    init(cache: KeyCache, settings: ServerSettings, forwardedChains: ForwardedChainVerifier? = nil) {
        let startedAt = ContinuousClock.now
        let metrics = ServerMetrics(startedAt: startedAt)
        self.startedAt = startedAt
        self.metrics = metrics
        self.cache = cache
        let errorLog = ErrorLog(stderr: settings.errorToStderr, counter: { metrics.errorEvents.increment() })
        self.errorLog = errorLog
        self.audit = AuditLog(stdout: settings.auditToStdout, counter: { metrics.auditEvents.increment() })
        self.current = Mutex((settings, forwardedChains))
        self.logger = Logger(label: "kes", factory: { _ in ErrorLogHandler(errorLog: errorLog) })
        audit.stream.onDrop { errorLog.log($0) }
        errorLog.stream.onDrop { errorLog.log($0) }
    }

    var settings: ServerSettings {
        current.withLock { $0.settings }
    }

    /// The settings and the check for certificates TLS proxies forward (nil when there is
    /// nothing to check), as one consistent pair.
    var snapshot: (settings: ServerSettings, forwardedChains: ForwardedChainVerifier?) {
        current.withLock { $0 }
    }

    func apply(_ settings: ServerSettings, forwardedChains: ForwardedChainVerifier?) {
        current.withLock { $0 = (settings, forwardedChains) }
        audit.setStdout(settings.auditToStdout)
        errorLog.setStderr(settings.errorToStderr)
    }
}

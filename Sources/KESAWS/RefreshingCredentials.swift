import Foundation

/// Temporary credentials that are replaced before they expire.
///
/// Within `margin` of the expiration (or half the credentials' lifetime, when that is shorter,
/// so that short-lived credentials are not fetched on every request) the next request starts
/// one fetch in the background and is served the current, still valid credentials; so are the
/// requests that arrive while it runs. Only once the credentials have expired does a request
/// wait, and all waiting requests share the one fetch. After a failed fetch, no other is
/// started for `retryInterval`: a broken credential source is not hammered by every request,
/// and requests without valid credentials get the last failure at once.
public actor RefreshingCredentials: AWSCredentialsProvider {
    public typealias Fetch = @Sendable () async throws -> ExpiringCredentials

    /// Names the source in errors, e.g. `web identity (role arn:…)`.
    public nonisolated let source: String
    private let fetch: Fetch
    private let margin: Duration
    private let retryInterval: Duration
    private let now: @Sendable () -> Date
    private let onFailure: @Sendable (AWSCredentialsError) -> Void

    private var current: ExpiringCredentials?
    private var renewAt = Date.distantPast
    private var pending: Task<ExpiringCredentials, any Error>?
    private var lastFailure: (at: Date, error: AWSCredentialsError)?

    /// - Parameters:
    ///   - initial: credentials fetched already, e.g. while the chain looked for a source.
    ///   - onFailure: told about each failed fetch, for the error log.
    public init(
        source: String,
        initial: ExpiringCredentials? = nil,
        margin: Duration = .seconds(300),
        retryInterval: Duration = .seconds(10),
        now: @escaping @Sendable () -> Date = { Date() },
        onFailure: @escaping @Sendable (AWSCredentialsError) -> Void = { _ in },
        fetch: @escaping Fetch
    ) {
        self.source = source
        self.margin = margin
        self.retryInterval = retryInterval
        self.now = now
        self.onFailure = onFailure
        self.fetch = fetch
        self.current = initial
        if let initial { self.renewAt = Self.renewalTime(of: initial, fetchedAt: now(), margin: margin) }
    }

    public func credentials() async throws -> AWSCredentials {
        let now = self.now()
        if let current, now < renewAt {
            return current.credentials
        }
        if let current, let expiration = current.expiration, now < expiration {
            if pending == nil, !failedRecently(at: now) { startFetch() }
            return current.credentials
        }
        if let pending { return try await pending.value.credentials }
        if let lastFailure, failedRecently(at: now) { throw lastFailure.error }
        return try await startFetch().value.credentials
    }

    @discardableResult
    private func startFetch() -> Task<ExpiringCredentials, any Error> {
        let task = Task { try await self.runFetch() }
        pending = task
        return task
    }

    private func runFetch() async throws -> ExpiringCredentials {
        defer { pending = nil }
        do {
            let fresh = try await fetch()
            current = fresh
            renewAt = Self.renewalTime(of: fresh, fetchedAt: now(), margin: margin)
            lastFailure = nil
            return fresh
        } catch {
            let failure = AWSCredentialsError("cannot refresh credentials from \(source): \(error)")
            lastFailure = (now(), failure)
            onFailure(failure)
            throw failure
        }
    }

    private func failedRecently(at now: Date) -> Bool {
        guard let lastFailure else { return false }
        return now.timeIntervalSince(lastFailure.at) < retryInterval.timeInterval
    }

    /// Long-term credentials are never renewed.
    static func renewalTime(of credentials: ExpiringCredentials, fetchedAt: Date, margin: Duration) -> Date {
        guard let expiration = credentials.expiration else { return .distantFuture }
        let lifetime = max(0, expiration.timeIntervalSince(fetchedAt))
        return expiration.addingTimeInterval(-min(margin.timeInterval, lifetime / 2))
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

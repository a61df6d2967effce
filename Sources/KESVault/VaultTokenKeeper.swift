import KESKeyStore
import Logging
import Synchronization

/// Holds the current Vault token and keeps it alive in the background
/// (docs/formats.md, "Key store layouts").
///
/// Requests never wait for the lifecycle: they read `current` and go. The loop renews
/// at TTL/2, logs in again when renewal fails, the token is not renewable or it
/// reached its max TTL, and retries failed logins every `retry`. Failures only reach
/// the error log, so a server can keep answering from its cache meanwhile.
///
/// Every deadline is read from `clock`, so tests drive the lifecycle with a manual clock
/// and a scripted `VaultTokenSource` instead of sleeping against a real Vault.
final class VaultTokenKeeper: Sendable {
    private struct State {
        var token: VaultToken
        var refreshRequested = false
        var lastRefreshRequest: ContinuousClock.Instant?
    }

    private let state: Mutex<State>
    private let authenticator: any VaultTokenSource
    private let logger: Logger
    private let isSealed: @Sendable () -> Bool
    private let clock: KeyStoreClock
    /// How often the idle loop looks at the clock, the seal state and refresh requests.
    static let tick: Duration = .milliseconds(100)

    init(
        token: VaultToken,
        authenticator: any VaultTokenSource,
        logger: Logger,
        isSealed: @escaping @Sendable () -> Bool,
        clock: KeyStoreClock = .continuous
    ) {
        self.state = Mutex(State(token: token))
        self.authenticator = authenticator
        self.logger = logger
        self.isSealed = isSealed
        self.clock = clock
    }

    /// The token requests should send now.
    var current: String { state.withLock { $0.token.value } }

    /// Vault refused the token (HTTP 403). Asks the loop to renew or log in right away
    /// instead of at TTL/2 — e.g. after the token was revoked — at most once per `retry`.
    func tokenRejected() {
        let method = authenticator.method
        let now = clock.now
        state.withLock { state in
            guard method.canLogIn || state.token.renewable else { return }
            if let last = state.lastRefreshRequest, now - last < method.retry { return }
            state.lastRefreshRequest = now
            state.refreshRequested = true
        }
    }

    /// Runs until the surrounding task is cancelled.
    func run() async {
        let method = authenticator.method
        var token = state.withLock { $0.token }
        var wakeAt = halfLife(of: token)
        // Set when the last renewal was capped by the token's max TTL: extending it further is pointless.
        var mustLogIn = false

        while await wait(until: wakeAt) {
            if token.renewable, !mustLogIn {
                do {
                    token = try await authenticator.renew(token, increment: token.period)
                    publish(token)
                    mustLogIn = method.canLogIn && (token.ttl < token.period || token.ttl <= .zero)
                    // A renewal cut short by the max TTL leaves little time: log in at once rather
                    // than at half the remainder, which a loaded machine can overrun.
                    wakeAt = mustLogIn ? clock.now : halfLife(of: token)
                    continue
                } catch {
                    if Task.isCancelled { return }
                    logger.error("vault: failed to renew token: \(error.vaultMessage)")
                }
            }
            guard method.canLogIn else {
                // A static token cannot be replaced; keep trying to renew it if that is possible at all.
                wakeAt = token.renewable ? clock.now + method.retry : nil
                continue
            }
            guard let fresh = await logInUntilSuccess() else { return }
            token = fresh
            mustLogIn = false
            wakeAt = halfLife(of: token)
        }
    }

    private func logInUntilSuccess() async -> VaultToken? {
        let method = authenticator.method
        while !Task.isCancelled {
            do {
                let token = try await authenticator.authenticate()
                publish(token)
                return token
            } catch {
                if Task.isCancelled { return nil }
                logger.error("vault: failed to log in: \(error.vaultMessage)")
            }
            guard await wait(until: clock.now + method.retry, wakeOnRefreshRequest: false) else { return nil }
        }
        return nil
    }

    private func publish(_ token: VaultToken) {
        state.withLock { state in
            state.token = token
            state.refreshRequested = false
        }
    }

    /// Sleeps until `deadline` (forever when nil) or a refresh request; pauses while
    /// Vault is sealed, since renewal and login cannot succeed then.
    /// - Returns: false when the task was cancelled.
    private func wait(until deadline: ContinuousClock.Instant?, wakeOnRefreshRequest: Bool = true) async -> Bool {
        while true {
            do { try await clock.sleep(for: Self.tick) } catch { return false }
            if isSealed() { continue }
            if wakeOnRefreshRequest {
                let requested = state.withLock { state in
                    defer { state.refreshRequested = false }
                    return state.refreshRequested
                }
                if requested { return true }
            }
            if let deadline, clock.now >= deadline { return true }
        }
    }

    /// When to act on `token`: after half its TTL; never for a token that does not expire.
    private func halfLife(of token: VaultToken) -> ContinuousClock.Instant? {
        guard token.ttl > .zero else { return nil }
        return clock.now + token.ttl / 2
    }
}

/// What the keeper needs from Vault: the configured method, a login and a renewal.
/// `VaultAuthenticator` in production; tests script a fake.
protocol VaultTokenSource: Sendable {
    var method: VaultAuthMethod { get }
    /// Logs in (AppRole, Kubernetes) or looks up the static token.
    func authenticate() async throws -> VaultToken
    /// Extends `token` by `increment`; returns the token with its new TTL.
    func renew(_ token: VaultToken, increment: Duration) async throws -> VaultToken
}

extension VaultAuthenticator: VaultTokenSource {}

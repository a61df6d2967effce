import KESKeyStore
import KESTestSupport
import Synchronization
import Testing
@testable import KESVault

/// A Vault stand-in for the token keeper: records logins and renewals and answers
/// as the test scripts it. Renewal grants `renewTTL` (fails when nil); login returns
/// `loginToken` (fails when nil).
final class ScriptedTokenSource: VaultTokenSource {
    let method: VaultAuthMethod
    /// What the keeper's `isSealed` reports.
    let sealed = Atomic<Bool>(false)

    private struct State {
        var renewTTL: Duration?
        var loginToken: VaultToken?
        var increments: [Duration] = []
        var logins = 0
    }

    private let state: Mutex<State>

    init(method: VaultAuthMethod, renewTTL: Duration?, loginToken: VaultToken? = nil) {
        self.method = method
        self.state = Mutex(State(renewTTL: renewTTL, loginToken: loginToken))
    }

    var renewals: Int { state.withLock { $0.increments.count } }
    /// The increment each renewal asked for.
    var increments: [Duration] { state.withLock { $0.increments } }
    var logins: Int { state.withLock { $0.logins } }

    func answerRenewals(with ttl: Duration?) { state.withLock { $0.renewTTL = ttl } }
    func answerLogins(with token: VaultToken?) { state.withLock { $0.loginToken = token } }

    func authenticate() async throws -> VaultToken {
        let token = state.withLock { state in
            state.logins += 1
            return state.loginToken
        }
        guard let token else {
            throw KeyStoreError.failed("vault: failed to log in with approle: server responded with: Bad Request (400)")
        }
        return token
    }

    func renew(_ token: VaultToken, increment: Duration) async throws -> VaultToken {
        let ttl = state.withLock { state in
            state.increments.append(increment)
            return state.renewTTL
        }
        guard let ttl else {
            throw KeyStoreError.failed("vault: failed to renew token: server responded with: Forbidden (403)")
        }
        return VaultToken(value: token.value, ttl: ttl, renewable: true, period: token.period)
    }
}

/// A keeper on a manual clock over a scripted source, with its loop running.
struct KeeperUnderTest {
    let keeper: VaultTokenKeeper
    let clock: ManualClock
    let source: ScriptedTokenSource
    let log: LogRecorder
    private let loop: Task<Void, Never>

    init(token: VaultToken, source: ScriptedTokenSource) async {
        let clock = ManualClock()
        let log = LogRecorder()
        let keeper = VaultTokenKeeper(
            token: token, authenticator: source, logger: log.logger,
            isSealed: { source.sealed.load(ordering: .relaxed) },
            clock: KeyStoreClock(clock)
        )
        self.keeper = keeper
        self.clock = clock
        self.source = source
        self.log = log
        self.loop = Task { await keeper.run() }
        // The loop has computed its first deadline and sleeps.
        #expect(await clock.waitForSleepers(1))
    }

    /// Moves time on by `duration` and waits until the keeper has acted on it and sleeps again.
    func advance(by duration: Duration) async {
        clock.advance(by: duration)
        #expect(await clock.waitForSleepers(1))
    }

    func stop() async {
        loop.cancel()
        await loop.value
    }
}

/// The token lifecycle on a manual clock: no Vault, no sleeping.
@Suite("Vault token keeper")
struct VaultTokenKeeperTests {
    /// The keeper checks its deadline once per tick, so steps are whole ticks.
    static let tick = VaultTokenKeeper.tick

    static func appRole(retry: Duration = .seconds(5)) -> VaultAuthMethod {
        .appRole(.init(id: "role-id", secret: "secret-id", retry: retry))
    }

    static func token(_ value: String, ttl: Duration, renewable: Bool = true) -> VaultToken {
        VaultToken(value: value, ttl: ttl, renewable: renewable, period: ttl)
    }

    @Test("renews at half the TTL, asking for the token's period")
    func renewsAtHalfTheTTL() async throws {
        let source = ScriptedTokenSource(method: Self.appRole(), renewTTL: .seconds(10))
        let harness = await KeeperUnderTest(token: Self.token("first", ttl: .seconds(10)), source: source)

        await harness.advance(by: .seconds(5) - Self.tick)
        #expect(source.renewals == 0)
        await harness.advance(by: Self.tick)
        #expect(source.renewals == 1)
        #expect(source.increments == [.seconds(10)])
        #expect(harness.keeper.current == "first")

        // The renewed token's half-life counts from the renewal.
        await harness.advance(by: .seconds(5) - Self.tick)
        #expect(source.renewals == 1)
        await harness.advance(by: Self.tick)
        #expect(source.renewals == 2)
        #expect(source.logins == 0)

        await harness.stop()
        #expect(harness.log.errors == [])
    }

    @Test("a renewal capped by the max TTL is followed by a login at the next tick")
    func cappedRenewalLeadsToLogin() async throws {
        let source = ScriptedTokenSource(
            method: Self.appRole(), renewTTL: .seconds(4), loginToken: Self.token("second", ttl: .seconds(10))
        )
        let harness = await KeeperUnderTest(token: Self.token("first", ttl: .seconds(10)), source: source)

        await harness.advance(by: .seconds(5))
        #expect(source.renewals == 1)
        #expect(source.logins == 0)
        #expect(harness.keeper.current == "first")

        // Granted 4 s instead of the 10 s asked for: the max TTL is near, so log in at the next
        // look at the clock rather than at 4 s / 2.
        await harness.advance(by: Self.tick)
        #expect(source.logins == 1)
        #expect(source.renewals == 1)
        #expect(harness.keeper.current == "second")

        await harness.stop()
        #expect(harness.log.errors == [])
    }

    @Test("a failed renewal is logged and followed by a new login")
    func failedRenewalLeadsToLogin() async throws {
        let source = ScriptedTokenSource(
            method: Self.appRole(), renewTTL: nil, loginToken: Self.token("second", ttl: .seconds(10))
        )
        let harness = await KeeperUnderTest(token: Self.token("first", ttl: .seconds(10)), source: source)

        await harness.advance(by: .seconds(5) - Self.tick)
        #expect(source.renewals == 0)
        await harness.advance(by: Self.tick)
        #expect(source.renewals == 1)
        #expect(source.logins == 1)
        #expect(harness.keeper.current == "second")

        await harness.stop()
        #expect(harness.log.errors.count == 1)
        #expect(harness.log.errors.first?.hasPrefix("vault: failed to renew token") == true)
    }

    @Test("failed logins are retried every retry interval until one succeeds")
    func failedLoginsAreRetried() async throws {
        let source = ScriptedTokenSource(method: Self.appRole(retry: .seconds(3)), renewTTL: nil, loginToken: nil)
        let harness = await KeeperUnderTest(token: Self.token("first", ttl: .seconds(10)), source: source)

        await harness.advance(by: .seconds(5))
        #expect(source.renewals == 1)
        #expect(source.logins == 1)

        // A refused request does not cut the retry wait short.
        harness.keeper.tokenRejected()
        await harness.advance(by: Self.tick)
        #expect(source.logins == 1)
        await harness.advance(by: .seconds(3) - Self.tick * 2)
        #expect(source.logins == 1)
        await harness.advance(by: Self.tick)
        #expect(source.logins == 2)

        source.answerLogins(with: Self.token("second", ttl: .seconds(10)))
        await harness.advance(by: .seconds(3))
        #expect(source.logins == 3)
        #expect(harness.keeper.current == "second")

        await harness.stop()
        let errors = harness.log.errors
        #expect(errors.filter { $0.hasPrefix("vault: failed to renew token") }.count == 1)
        #expect(errors.filter { $0.hasPrefix("vault: failed to log in") }.count == 2)
    }

    @Test("a rejected token is renewed at once, at most once per retry interval")
    func rejectedTokenIsRenewedEarly() async throws {
        let source = ScriptedTokenSource(method: Self.appRole(retry: .seconds(5)), renewTTL: .seconds(60))
        let harness = await KeeperUnderTest(token: Self.token("first", ttl: .seconds(60)), source: source)

        harness.keeper.tokenRejected()
        await harness.advance(by: Self.tick)
        #expect(source.renewals == 1)

        // Within the retry interval a second refusal changes nothing.
        harness.keeper.tokenRejected()
        await harness.advance(by: Self.tick)
        #expect(source.renewals == 1)

        await harness.advance(by: .seconds(5))
        harness.keeper.tokenRejected()
        await harness.advance(by: Self.tick)
        #expect(source.renewals == 2)
        #expect(source.logins == 0)

        await harness.stop()
    }

    @Test("nothing is renewed while Vault is sealed; the overdue renewal follows the unseal")
    func pausesWhileSealed() async throws {
        let source = ScriptedTokenSource(method: Self.appRole(), renewTTL: .seconds(10))
        let harness = await KeeperUnderTest(token: Self.token("first", ttl: .seconds(10)), source: source)

        source.sealed.store(true, ordering: .relaxed)
        await harness.advance(by: .seconds(5))
        await harness.advance(by: .seconds(30))
        #expect(source.renewals == 0)
        #expect(source.logins == 0)

        source.sealed.store(false, ordering: .relaxed)
        await harness.advance(by: Self.tick)
        #expect(source.renewals == 1)

        await harness.stop()
        #expect(harness.log.errors == [])
    }

    @Test("a static token that cannot be renewed is left alone")
    func staticNonRenewableToken() async throws {
        let source = ScriptedTokenSource(method: .token("static"), renewTTL: .seconds(10))
        let harness = await KeeperUnderTest(token: Self.token("static", ttl: .seconds(10), renewable: false), source: source)

        await harness.advance(by: .seconds(5))
        await harness.advance(by: .seconds(3600))
        #expect(source.renewals == 0)
        #expect(source.logins == 0)
        #expect(harness.keeper.current == "static")

        await harness.stop()
        #expect(harness.log.errors == [])
    }
}

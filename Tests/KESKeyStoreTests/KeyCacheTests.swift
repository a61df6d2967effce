import KESCore
import KESTestSupport
import Logging
import Synchronization
import Testing
@testable import KESKeyStore

/// A store that counts reads, can be slowed down and can be switched off.
/// A read delay is slept on `clock`, so the test decides when a slow read completes.
final class ControllableStore: KeyStore {
    let kind = "test"
    let inner = MemoryKeyStore()
    let reads = Atomic<Int>(0)
    let down = Atomic<Bool>(false)
    let readDelay: Duration
    let clock: ManualClock

    init(readDelay: Duration = .zero, clock: ManualClock = ManualClock()) {
        self.readDelay = readDelay
        self.clock = clock
    }

    func create(_ name: String, value: [UInt8]) async throws {
        try checkUp()
        try await inner.create(name, value: value)
    }

    func get(_ name: String) async throws -> [UInt8] {
        reads.add(1, ordering: .relaxed)
        if readDelay > .zero { try await clock.sleep(for: readDelay) }
        try checkUp()
        return try await inner.get(name)
    }

    func delete(_ name: String) async throws {
        try checkUp()
        try await inner.delete(name)
    }

    func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        try checkUp()
        return try await inner.list(prefix: prefix, startingAt: start, limit: limit)
    }

    func status() async throws {
        try checkUp()
    }

    private func checkUp() throws {
        if down.load(ordering: .relaxed) { throw KeyStoreError.unreachable("test: connection refused") }
    }
}

/// Counts events across tasks.
final class CallCounter: Sendable {
    private let count = Atomic<Int>(0)
    func increment() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// Yields until `condition` holds, at most `attempts` times. Never sleeps.
func yieldUntil(attempts: Int = 10_000, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<attempts {
        if condition() { return true }
        await Task.yield()
    }
    return condition()
}

@Suite struct KeyCacheTests {
    @Test func concurrentMissesCostOneBackendRead() async throws {
        let clock = ManualClock()
        let store = ControllableStore(readDelay: .milliseconds(50), clock: clock)
        let cache = KeyCache(store: store, policy: CachePolicy(), clock: clock)
        try await cache.create("k", key: .generate(.aes256, createdBy: "test"))
        let callers = CallCounter()
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    callers.increment()
                    return try await cache.key("k").secret.id
                }
            }
            // The one backend read is in flight, held by the clock, while all callers ask.
            // (Always advance, even if a wait fails: the callers would otherwise wait forever.)
            #expect(await clock.waitForSleepers(1))
            #expect(await yieldUntil { callers.value == 100 })
            for _ in 0..<100 { await Task.yield() }
            clock.advance(by: .milliseconds(50))
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
        #expect(store.reads.load(ordering: .relaxed) == 1)
        // Hits never reach the backend.
        #expect(cache.cachedKey("k") != nil)
        _ = try await cache.key("k")
        #expect(store.reads.load(ordering: .relaxed) == 1)
    }

    @Test func createDoesNotFillAndDeleteEvicts() async throws {
        let store = ControllableStore()
        let cache = KeyCache(store: store, policy: CachePolicy())
        try await cache.create("k", key: .generate(.chacha20, createdBy: "test"))
        #expect(cache.cachedKey("k") == nil)
        _ = try await cache.key("k")
        #expect(cache.cachedKey("k") != nil)
        try await cache.delete("k")
        #expect(cache.cachedKey("k") == nil)
        await #expect(throws: KeyStoreError.keyNotFound) { _ = try await cache.key("k") }
    }

    @Test func entriesExpireTheAnyTimeAfterLoadingHoweverOftenUsed() async throws {
        let clock = ManualClock()
        let store = ControllableStore()
        let cache = KeyCache(store: store, policy: CachePolicy(expiryAny: .seconds(10), expiryUnused: .zero), clock: clock)
        try await cache.create("early", key: .generate(.aes256, createdBy: "test"))
        try await cache.create("late", key: .generate(.aes256, createdBy: "test"))
        _ = try await cache.key("early")
        clock.advance(by: .seconds(5))
        _ = try await cache.key("late")

        clock.advance(by: .seconds(5) - .milliseconds(1))
        _ = cache.cachedKey("early")
        cache.sweep()
        #expect(cache.isCached("early"))
        #expect(cache.isCached("late"))

        // Ten seconds after loading, used or not.
        clock.advance(by: .milliseconds(1))
        cache.sweep()
        #expect(!cache.isCached("early"))
        #expect(cache.isCached("late"))

        clock.advance(by: .seconds(5))
        cache.sweep()
        #expect(!cache.isCached("late"))

        // An expired key is read from the backend again.
        #expect(store.reads.load(ordering: .relaxed) == 2)
        _ = try await cache.key("early")
        #expect(store.reads.load(ordering: .relaxed) == 3)
        #expect(cache.isCached("early"))
    }

    @Test func unusedKeysExpire() async throws {
        let clock = ManualClock()
        let store = ControllableStore()
        let cache = KeyCache(store: store, policy: CachePolicy(expiryAny: .seconds(60), expiryUnused: .seconds(10)), clock: clock)
        try await cache.create("used", key: .generate(.aes256, createdBy: "test"))
        try await cache.create("idle", key: .generate(.aes256, createdBy: "test"))
        _ = try await cache.key("used")
        _ = try await cache.key("idle")
        cache.sweep()

        // Sweeps act every unused/2: entries unused for a whole half-interval go.
        clock.advance(by: .seconds(5) - .milliseconds(1))
        _ = cache.cachedKey("used")
        cache.sweep()
        clock.advance(by: .milliseconds(1))
        cache.sweep()
        // Both were used (loaded) in the first half-interval.
        #expect(cache.isCached("used"))
        #expect(cache.isCached("idle"))

        clock.advance(by: .seconds(5) - .milliseconds(1))
        _ = cache.cachedKey("used")
        cache.sweep()
        #expect(cache.isCached("idle"))
        clock.advance(by: .milliseconds(1))
        cache.sweep()
        #expect(cache.isCached("used"))
        #expect(!cache.isCached("idle"))

        // Not used since: gone one half-interval later.
        clock.advance(by: .seconds(5))
        cache.sweep()
        #expect(!cache.isCached("used"))
    }

    @Test func cachedKeysServeForTheWholeOutageWithoutOfflineExpiry() async throws {
        let clock = ManualClock()
        let store = ControllableStore()
        let cache = KeyCache(
            store: store, policy: CachePolicy(expiryAny: .seconds(1), expiryUnused: .seconds(1), expiryOffline: .zero), clock: clock
        )
        try await cache.create("cached", key: .generate(.aes256, createdBy: "test"))
        try await cache.create("uncached", key: .generate(.aes256, createdBy: "test"))
        _ = try await cache.key("cached")

        store.down.store(true, ordering: .relaxed)
        await #expect(throws: KeyStoreError.self) { try await cache.probe() }
        #expect(cache.isOffline)
        clock.advance(by: .seconds(3600))
        cache.sweep()
        // Offline, the online expiry is suspended (offline: 0 keeps keys for the whole outage).
        #expect(cache.isCached("cached"))
        #expect(cache.cachedKey("cached") != nil)
        await #expect(throws: KeyStoreError.unreachable("test: connection refused")) { _ = try await cache.key("uncached") }

        store.down.store(false, ordering: .relaxed)
        try await cache.probe()
        #expect(!cache.isOffline)
        cache.sweep()
        #expect(!cache.isCached("cached"))
        #expect(try await cache.key("uncached").createdBy == "test")
    }

    @Test func offlineExpiryDropsKeysThatLongAfterTheStoreWentOffline() async throws {
        let clock = ManualClock()
        let store = ControllableStore()
        let cache = KeyCache(store: store, policy: CachePolicy(expiryOffline: .seconds(20)), clock: clock)
        try await cache.create("k", key: .generate(.aes256, createdBy: "test"))
        _ = try await cache.key("k")
        clock.advance(by: .seconds(10))

        store.down.store(true, ordering: .relaxed)
        await #expect(throws: KeyStoreError.self) { try await cache.probe() }
        #expect(cache.isOffline)
        cache.sweep()
        #expect(cache.isCached("k"))

        // Counted from going offline (t = 10 s), not from loading.
        clock.advance(by: .seconds(20) - .milliseconds(1))
        cache.sweep()
        #expect(cache.isCached("k"))
        clock.advance(by: .milliseconds(1))
        cache.sweep()
        #expect(!cache.isCached("k"))
    }

    @Test func backgroundLoopProbesAndSweepsOnTheClock() async throws {
        let clock = ManualClock()
        let store = ControllableStore()
        let log = LogRecorder()
        let policy = CachePolicy(
            expiryAny: .seconds(5), expiryUnused: .zero, expiryOffline: .seconds(2), healthInterval: .seconds(1)
        )
        let cache = KeyCache(store: store, policy: policy, clock: clock)
        try await cache.create("k", key: .generate(.aes256, createdBy: "test"))
        _ = try await cache.key("k")


        let loop = Task { await cache.run(logger: log.logger) }
        // The first pass probes at once (online) and sweeps.
        #expect(await clock.waitForSleepers(1))
        #expect(!cache.isOffline)

        // Probes run every healthInterval (4 ticks): the outage is seen at t = 1 s.
        store.down.store(true, ordering: .relaxed)
        await clock.stepCacheLoop(3)
        #expect(!cache.isOffline)
        await clock.stepCacheLoop(1)
        #expect(cache.isOffline)
        #expect(cache.isCached("k"))

        // Offline expiry (2 s) counts from t = 1 s.
        await clock.stepCacheLoop(7)
        #expect(cache.isCached("k"))
        await clock.stepCacheLoop(1)
        #expect(!cache.isCached("k"))

        // Back online at the next probe, t = 4 s.
        store.down.store(false, ordering: .relaxed)
        await clock.stepCacheLoop(3)
        #expect(cache.isOffline)
        await clock.stepCacheLoop(1)
        #expect(!cache.isOffline)

        // Loaded at t = 4 s, dropped by the sweep at t = 9 s (expiry any: 5 s).
        _ = try await cache.key("k")
        await clock.stepCacheLoop(19)
        #expect(cache.isCached("k"))
        await clock.stepCacheLoop(1)
        #expect(!cache.isCached("k"))

        loop.cancel()
        await loop.value
        // Three failed probes, one error line: only the transition to offline is logged.
        #expect(log.errors.count == 1)
        #expect(log.errors.first?.hasPrefix("keystore: test is offline") == true)
    }

    /// Expiry waits while the store is offline, so the return must be seen soon: a request that
    /// ran into a brief outage marks the store offline between two probes 10 s apart, and before,
    /// the next regular probe was the first to notice the return. A key deleted elsewhere then
    /// kept working here for up to expiry + 10 s.
    @Test func aBriefOutageSeenByARequestIsOverWithinASecondOfItsEnd() async throws {
        let clock = ManualClock()
        let store = ControllableStore()
        let policy = CachePolicy(expiryAny: .seconds(2), expiryUnused: .zero, healthInterval: .seconds(10))
        let cache = KeyCache(store: store, policy: policy, clock: clock)
        try await cache.create("k", key: .generate(.aes256, createdBy: "test"))
        try await cache.create("other", key: .generate(.aes256, createdBy: "test"))
        _ = try await cache.key("k")
        let loop = Task { await cache.run(logger: LogRecorder().logger) }
        #expect(await clock.waitForSleepers(1))

        // A request meets the outage at t = 0.25 s; the store is back at t = 0.5 s.
        await clock.stepCacheLoop(1)
        store.down.store(true, ordering: .relaxed)
        await #expect(throws: KeyStoreError.self) { _ = try await cache.key("other") }
        #expect(cache.isOffline)
        await clock.stepCacheLoop(1)
        store.down.store(false, ordering: .relaxed)
        // Seen within a second (4 ticks), not at the next regular probe at t = 10 s.
        await clock.stepCacheLoop(4)
        #expect(!cache.isOffline)
        // Loaded at t = 0, so past its 2 s expiry by t = 2 s.
        await clock.stepCacheLoop(3)
        #expect(!cache.isCached("k"))

        loop.cancel()
        await loop.value
    }

    @Test func corruptValueIsAFailureNotACrash() async throws {
        let store = ControllableStore()
        try await store.inner.create("bad", value: Array("not a key".utf8))
        let cache = KeyCache(store: store, policy: CachePolicy())
        do {
            _ = try await cache.key("bad")
            Issue.record("expected a failure")
        } catch let error as KeyStoreError {
            guard case .failed(let text) = error else { Issue.record("unexpected \(error)"); return }
            #expect(!text.contains("not a key"))
        }
    }
}

extension ManualClock {
    /// Moves the clock one cache-loop tick at a time and waits, after each, until the loop has
    /// handled it and sleeps again.
    func stepCacheLoop(_ ticks: Int) async {
        for _ in 0..<ticks {
            advance(by: KeyCache.tick)
            guard await waitForSleepers(1) else {
                Issue.record("the cache loop did not go back to sleep")
                return
            }
        }
    }
}

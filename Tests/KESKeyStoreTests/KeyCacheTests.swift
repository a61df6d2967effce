import KESCore
import KESKeyStore
import Synchronization
import Testing

/// A store that counts reads, can be slowed down and can be switched off.
final class ControllableStore: KeyStore {
    let kind = "test"
    let inner = MemoryKeyStore()
    let reads = Atomic<Int>(0)
    let down = Atomic<Bool>(false)
    let readDelay: Duration

    init(readDelay: Duration = .zero) {
        self.readDelay = readDelay
    }

    func create(_ name: String, value: [UInt8]) async throws {
        try checkUp()
        try await inner.create(name, value: value)
    }

    func get(_ name: String) async throws -> [UInt8] {
        reads.add(1, ordering: .relaxed)
        if readDelay > .zero { try await Task.sleep(for: readDelay) }
        try checkUp()
        return try await inner.get(name)
    }

    func delete(_ name: String) async throws {
        try checkUp()
        try await inner.delete(name)
    }

    func list(prefix: String, limit: Int) async throws -> KeyListPage {
        try checkUp()
        return try await inner.list(prefix: prefix, limit: limit)
    }

    func status() async throws {
        try checkUp()
    }

    private func checkUp() throws {
        if down.load(ordering: .relaxed) { throw KeyStoreError.unreachable("test: connection refused") }
    }
}

@Suite struct KeyCacheTests {
    @Test func concurrentMissesCostOneBackendRead() async throws {
        let store = ControllableStore(readDelay: .milliseconds(50))
        let cache = KeyCache(store: store, policy: CachePolicy())
        try await cache.create("k", key: .generate(.aes256, createdBy: "test"))
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 { group.addTask { try await cache.key("k").secret.id } }
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

    @Test func cachedKeysServeWhileTheBackendIsDown() async throws {
        let store = ControllableStore()
        let cache = KeyCache(store: store, policy: CachePolicy(expiryAny: .milliseconds(100), expiryUnused: .milliseconds(100)))
        try await cache.create("cached", key: .generate(.aes256, createdBy: "test"))
        try await cache.create("uncached", key: .generate(.aes256, createdBy: "test"))
        _ = try await cache.key("cached")

        store.down.store(true, ordering: .relaxed)
        await #expect(throws: KeyStoreError.self) { try await cache.probe() }
        #expect(cache.isOffline)
        try await Task.sleep(for: .milliseconds(250))
        cache.sweep()
        // Offline, the online expiry is suspended (offline: 0 keeps keys for the whole outage).
        #expect(cache.cachedKey("cached") != nil)
        await #expect(throws: KeyStoreError.unreachable("test: connection refused")) { _ = try await cache.key("uncached") }

        store.down.store(false, ordering: .relaxed)
        try await cache.probe()
        #expect(!cache.isOffline)
        cache.sweep()
        #expect(cache.cachedKey("cached") == nil)
        #expect(try await cache.key("uncached").createdBy == "test")
    }

    @Test func offlineExpiryDropsKeysAfterTheConfiguredTime() async throws {
        let store = ControllableStore()
        let cache = KeyCache(store: store, policy: CachePolicy(expiryOffline: .milliseconds(200)))
        try await cache.create("k", key: .generate(.aes256, createdBy: "test"))
        _ = try await cache.key("k")
        store.down.store(true, ordering: .relaxed)
        _ = try? await cache.probe()
        cache.sweep()
        #expect(cache.cachedKey("k") != nil)
        try await Task.sleep(for: .milliseconds(300))
        cache.sweep()
        #expect(cache.cachedKey("k") == nil)
    }

    @Test func unusedKeysExpire() async throws {
        let store = ControllableStore()
        let cache = KeyCache(store: store, policy: CachePolicy(expiryAny: .seconds(60), expiryUnused: .milliseconds(100)))
        try await cache.create("used", key: .generate(.aes256, createdBy: "test"))
        try await cache.create("idle", key: .generate(.aes256, createdBy: "test"))
        _ = try await cache.key("used")
        _ = try await cache.key("idle")
        for _ in 0..<4 {
            try await Task.sleep(for: .milliseconds(60))
            _ = cache.cachedKey("used")
            cache.sweep()
        }
        #expect(cache.cachedKey("used") != nil)
        #expect(cache.cachedKey("idle") == nil)
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

import KESCore
import Logging
import Synchronization

/// The server's view of the key store: parsed keys cached in memory, with
/// single-flight loading and offline serving.
///
/// A cache hit only takes a short lock that no backend call ever holds, so a slow
/// or dead backend never delays requests for cached keys.
public final class KeyCache: Sendable {
    public let store: any KeyStore
    private let policy: CachePolicy
    private let state = Mutex(State())
    private let clock: KeyStoreClock

    /// How often `run(logger:)` wakes up to sweep and to see whether a health probe is due.
    static let tick = Duration.milliseconds(250)
    /// While the store is offline, expiry is suspended (cached keys serve the outage), so its
    /// return is looked for sooner than the regular health interval: every second of a missed
    /// return would add a second to how long a key deleted elsewhere keeps working here.
    static let offlineProbeInterval = Duration.seconds(1)

    private struct Entry {
        var key: StoredKey
        var loadedAt: ContinuousClock.Instant
        var used: Bool
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var loading: [String: Task<StoredKey, any Error>] = [:]
        var offlineSince: ContinuousClock.Instant?
        var lastUnusedSweep: ContinuousClock.Instant?
    }

    /// A cache on the real clock (`ContinuousClock`).
    public convenience init(store: any KeyStore, policy: CachePolicy) {
        self.init(store: store, policy: policy, clock: ContinuousClock())
    }

    /// A cache whose expiry, offline time and background loop follow `clock`; tests pass a
    /// manual clock so that nothing has to sleep.
    public init<C: Clock>(store: any KeyStore, policy: CachePolicy, clock: C) where C.Instant == ContinuousClock.Instant {
        self.store = store
        self.policy = policy
        self.clock = KeyStoreClock(clock)
    }

    /// The key if it is in memory; never touches the backend.
    @inline(__always)
    public func cachedKey(_ name: String) -> StoredKey? {
        state.withLock { state in
            guard let index = state.entries.index(forKey: name) else { return nil }
            if !state.entries.values[index].used { state.entries.values[index].used = true }
            return state.entries.values[index].key
        }
    }

    /// The key from memory, or loaded from the backend once however many callers ask at the same time.
    /// - Throws: `KeyStoreError`; a stored value that does not parse is `.failed`.
    public func key(_ name: String) async throws -> StoredKey {
        enum Lookup {
            case hit(StoredKey)
            case wait(Task<StoredKey, any Error>)
        }
        let lookup: Lookup = state.withLock { state in
            if state.entries[name] != nil {
                state.entries[name]!.used = true
                return .hit(state.entries[name]!.key)
            }
            if let running = state.loading[name] { return .wait(running) }
            let load = Task { try await self.load(name) }
            state.loading[name] = load
            return .wait(load)
        }
        switch lookup {
        case .hit(let key): return key
        case .wait(let task): return try await task.value
        }
    }

    private func load(_ name: String) async throws -> StoredKey {
        do {
            let value = try await store.get(name)
            let key: StoredKey
            do {
                key = try StoredKey(parsing: value)
            } catch {
                throw KeyStoreError.failed("keystore: invalid stored key '\(name)': \(error)")
            }
            let now = clock.now
            state.withLock { state in
                // A delete that raced with this load removed our task; don't resurrect the key.
                guard state.loading[name] != nil else { return }
                state.loading[name] = nil
                state.entries[name] = Entry(key: key, loadedAt: now, used: true)
                state.offlineSince = nil
            }
            return key
        } catch {
            state.withLock { $0.loading[name] = nil }
            if let storeError = error as? KeyStoreError, storeError.isOutage { markOffline() }
            throw error
        }
    }

    /// Creates a key in the backend. Creating does not fill the cache, as in KES.
    public func create(_ name: String, key: StoredKey) async throws {
        do {
            try await store.create(name, value: key.encoded())
            markOnline()
        } catch let error as KeyStoreError where error.isOutage {
            markOffline()
            throw error
        }
    }

    /// Deletes a key in the backend and evicts it at once.
    public func delete(_ name: String) async throws {
        defer { evict(name) }
        try await store.delete(name)
        markOnline()
    }

    public func evict(_ name: String) {
        state.withLock { state in
            state.entries[name] = nil
            state.loading[name] = nil
        }
    }

    public func list(prefix: String, startingAt start: String = "", limit: Int) async throws -> KeyListPage {
        let page = try await store.list(prefix: prefix, startingAt: start, limit: limit)
        markOnline()
        return page
    }

    /// Probes the backend and records whether it is online. Returns the round-trip time.
    @discardableResult
    public func probe() async throws -> Duration {
        let start = clock.now
        do {
            try await store.status()
        } catch {
            markOffline()
            throw error
        }
        markOnline()
        return clock.now - start
    }

    public var isOffline: Bool {
        state.withLock { $0.offlineSince != nil }
    }

    /// Whether `name` is in memory, without counting as a use (tests).
    func isCached(_ name: String) -> Bool {
        state.withLock { $0.entries[name] != nil }
    }

    /// A call the server cancelled (its client left, its deadline passed) says nothing about
    /// the store, so it never marks it offline.
    private func markOffline() {
        guard !Task.isCancelled else { return }
        let now = clock.now
        state.withLock { state in
            if state.offlineSince == nil { state.offlineSince = now }
        }
    }

    private func markOnline() {
        state.withLock { $0.offlineSince = nil }
    }

    /// Drops what the policy says has expired. Runs from `run()`; public for tests.
    public func sweep() {
        let now = clock.now
        state.withLock { state in
            if let since = state.offlineSince {
                if policy.expiryOffline > .zero, now - since >= policy.expiryOffline {
                    state.entries.removeAll()
                }
                return
            }
            if policy.expiryAny > .zero {
                state.entries = state.entries.filter { now - $0.value.loadedAt < policy.expiryAny }
            }
            if policy.expiryUnused > .zero {
                let last = state.lastUnusedSweep ?? now
                if state.lastUnusedSweep == nil { state.lastUnusedSweep = now }
                // An entry survives one half-interval unused, so it lives between unused/2 and unused.
                if now - last >= policy.expiryUnused / 2 {
                    state.lastUnusedSweep = now
                    state.entries = state.entries.filter { $0.value.used }
                    for name in state.entries.keys { state.entries[name]!.used = false }
                }
            }
        }
    }

    /// Runs health probes and expiry sweeps until the task is cancelled.
    public func run(logger: Logger) async {
        var lastProbe: ContinuousClock.Instant?
        while !Task.isCancelled {
            let wasOffline = isOffline
            // Read every pass: a request that ran into an outage between probes shortens the wait.
            let interval = wasOffline ? min(policy.healthInterval, Self.offlineProbeInterval) : policy.healthInterval
            if lastProbe.map({ clock.now - $0 >= interval }) ?? true {
                lastProbe = clock.now
                do {
                    try await probe()
                } catch {
                    if !wasOffline { logger.error("keystore: \(store.kind) is offline: \(error)") }
                }
            }
            sweep()
            try? await clock.sleep(for: Self.tick)
        }
    }
}

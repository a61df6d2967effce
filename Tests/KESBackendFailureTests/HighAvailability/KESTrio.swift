import Foundation
import KESAWS
import KESConfig
import KESCore
import KESKeyStore
import KESTestSupport
import KESVault
import Logging
import Synchronization
import Testing

/// Three swift-kes instances over one shared key store (an OpenBao cluster or one moto), each with
/// a key store of its own, all with the same admin API key, as three KES servers behind a load
/// balancer would run. `clients[i]` talks to instance `i`; a restarted instance keeps its port, so
/// the clients stay valid.
final class KESTrio: Sendable {
    /// Makes instance `i`'s key store.
    typealias StoreFactory = @Sendable (_ instance: Int) async throws -> any KeyStore

    let apiKey: APIKey
    let clients: [TestClient]
    private let admin: TestIdentity
    private let makeStore: StoreFactory
    private let cache: CacheConfig
    private let servers: Mutex<[TestServer]>

    var ports: [Int] { servers.withLock { $0.map(\.port) } }
    var endpoints: [String] { ports.map { "https://127.0.0.1:\($0)" } }

    private init(apiKey: APIKey, admin: TestIdentity, servers: [TestServer], makeStore: @escaping StoreFactory, cache: CacheConfig) throws {
        self.apiKey = apiKey
        self.admin = admin
        self.makeStore = makeStore
        self.cache = cache
        self.servers = Mutex(servers)
        clients = try servers.map { try $0.client() }
    }

    static func start(count: Int = 3, cache: CacheConfig, store makeStore: @escaping StoreFactory) async throws -> KESTrio {
        let apiKey = APIKey.random()
        let admin = try TestIdentity.apiKey(apiKey)
        var servers: [TestServer] = []
        do {
            for instance in 0..<count {
                servers.append(try await launch(instance, port: 0, admin: admin, cache: cache, makeStore: makeStore))
            }
            let trio = try KESTrio(apiKey: apiKey, admin: admin, servers: servers, makeStore: makeStore, cache: cache)
            // Connected and handshaken, so the first timed requests measure the servers, not TLS.
            for client in trio.clients { _ = try await client.get("/version") }
            return trio
        } catch {
            for server in servers { try? await server.stopAndWait() }
            throw error
        }
    }

    /// A server on `port` (0: any); a fixed port that is still busy for a moment is retried for 5 s.
    private static func launch(
        _ instance: Int, port: Int, admin: TestIdentity, cache: CacheConfig, makeStore: StoreFactory
    ) async throws -> TestServer {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            let store = try await makeStore(instance)
            do {
                return try await TestServer(admin: admin, keyStore: store) { config in
                    config.address = "127.0.0.1:\(port)"
                    config.cache = cache
                }
            } catch {
                await store.close()
                guard port != 0, ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Stops instance `i` hard, as a crash would: its open connections are dropped at once.
    func kill(_ instance: Int) {
        servers.withLock { $0[instance] }.stop()
    }

    /// Stops instance `i` (gracefully: requests in progress finish) and starts a new one on the
    /// same port with a fresh key store and an empty cache.
    /// - Returns: how long the stop took and how long the start took.
    @discardableResult
    func restart(_ instance: Int, graceful: Bool) async throws -> (stop: Duration, start: Duration) {
        let clock = ContinuousClock()
        let old = servers.withLock { $0[instance] }
        let stopping = clock.now
        try await old.stopAndWait(graceful: graceful)
        let starting = clock.now
        let new = try await Self.launch(instance, port: old.port, admin: admin, cache: cache, makeStore: makeStore)
        servers.withLock { $0[instance] = new }
        return (starting - stopping, clock.now - starting)
    }

    func stop() async {
        for server in servers.withLock({ $0 }) {
            await #expect(throws: Never.self) { try await server.stopAndWait() }
        }
    }

    /// Polls `generate` through every instance every 50 ms until each answers 200, so the key is
    /// in every instance's cache; fails after `timeout`.
    func cacheEverywhere(_ name: String, timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        for client in clients {
            var reply = try await client.generate(name)
            while reply.status != 200, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                reply = try await client.generate(name)
            }
            try #require(reply.status == 200, "\(name) through port \(client.port): \(reply.status) \(reply.body)")
        }
    }

    /// Instance `i`'s store: all nodes of `cluster`, node `i` first; K/V v2 at `secret/` under
    /// `prefix`; AppRole; a health probe every second. `endpoints` may rewrite instance `i`'s
    /// list (e.g. to reach the nodes through another address).
    static func vault(
        _ cluster: OpenBaoRaftCluster, prefix: String,
        endpoints: @escaping @Sendable (_ instance: Int, _ addresses: [String]) -> [String] = { $1 }
    ) -> StoreFactory {
        { instance in
            var config = VaultKeyStoreConfig(endpoints: endpoints(instance, cluster.addresses(preferring: instance)))
            config.engine = "secret"
            config.kvVersion = .v2
            config.prefix = prefix
            config.approle = .init(id: cluster.roleID, secret: cluster.secretID)
            config.statusPing = .seconds(1)
            return try await VaultKeyStore(config: config, logger: Logger(label: "ha-vault-\(instance)"))
        }
    }

    /// Instance `i`'s store: Secrets Manager at `endpoint` (moto).
    static func aws(endpoint: String) -> StoreFactory {
        { instance in
            var config = AWSSecretsManagerConfig(endpoint: endpoint, region: "us-east-1")
            config.accessKey = "AKIDEXAMPLE"
            config.secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
            return try await AWSSecretsManagerKeyStore(config: config, logger: Logger(label: "ha-aws-\(instance)"))
        }
    }
}

extension TestClient {
    func create(_ name: String) async throws -> Reply { try await put("/v1/key/create/\(name)") }
    func generate(_ name: String) async throws -> Reply { try await put("/v1/key/generate/\(name)", "{}") }
    func decrypt(_ name: String, ciphertext: String) async throws -> Reply {
        try await put("/v1/key/decrypt/\(name)", #"{"ciphertext":"\#(ciphertext)"}"#)
    }

    /// The status, or -1 when the request itself failed; for loops that count outcomes.
    func status(of request: (TestClient) async throws -> Reply) async -> Int {
        (try? await request(self).status) ?? -1
    }
}

/// Tells loops running in child tasks to stop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isRaised: Bool { flag.load(ordering: .relaxed) }
    func raise() { flag.store(true, ordering: .relaxed) }
}

/// Runs each of `loops` in a child task while `scenario` runs; when it returns or throws, raises
/// the flag the loops watch and waits for them to finish.
func whileLooping(_ loops: [@Sendable (StopFlag) async -> Void], scenario: () async throws -> Void) async throws {
    let stop = StopFlag()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for loop in loops { group.addTask { await loop(stop) } }
        do {
            try await scenario()
        } catch {
            stop.raise()
            throw error
        }
        stop.raise()
        try await group.waitForAll()
    }
}

extension Duration {
    /// Whole milliseconds, for the `ha:` lines.
    var ms: Int { Int(self / .milliseconds(1)) }
}

/// A unique key prefix per test, so tests on one shared cluster never see each other's keys.
func haPrefix(_ test: String) -> String { "ha-\(test)-\(UUID().uuidString.prefix(8).lowercased())" }

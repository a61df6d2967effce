import Foundation
import KESConfig
import KESCore
import KESKeyStore
import KESServer
import KESTestSupport
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Route deadlines below a second, and a graceful shutdown in the middle of a burst.
@Suite(.timeLimit(.minutes(1))) struct ShutdownAndDeadlineTests {
    /// A deadline under a second must be that long, not "0 whole seconds" (which cut every
    /// uncached request off at once).
    @Test func aSubSecondRouteTimeoutLetsAnUncachedGenerateAnswer() async throws {
        let directory = TestServer.makeDirectory()
        let admin = try TestIdentity.apiKey()
        let writer = try await TestServer(admin: admin, directory: directory)
        #expect(try await writer.client().put("/v1/key/create/sub-second").status == 200)
        writer.stop()

        // A second server on the same directory has nothing cached: generate goes to the store,
        // under the 900 ms deadline.
        let server = try await TestServer(admin: admin, directory: directory) { config in
            config.api["/v1/key/generate/"] = APIRouteConfig(timeout: .milliseconds(900))
        }
        defer { server.stop() }
        let reply = try await server.client().put("/v1/key/generate/sub-second", "{}")
        #expect(reply.status == 200)
        #expect(reply.json["ciphertext"] is String)
        let api = try await server.client().get("/v1/api")
        #expect(api.body.contains(#""path":"/v1/key/generate/","max_body":1048576,"timeout":0"#))
    }

    /// SIGTERM, through the same ServiceGroup set-up as `kes server`, while requests wait on a
    /// slow key store: every one of them gets its 200, then the server is gone.
    @Test func sigtermDuringABurstLetsEveryAcceptedRequestFinish() async throws {
        let slow = SlowKeyStore(delay: .milliseconds(400))
        let names = (0..<12).map { "drain-\($0)" }
        for name in names {
            try await slow.memory.create(name, value: StoredKey.generate(.aes256, createdBy: "test").encoded())
        }
        let test = try await TestServer(keyStore: slow, start: false)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: test.server)], gracefulShutdownSignals: [.sigterm], logger: test.server.logger))
        let running = Task { try await group.run() }
        let bound = ContinuousClock.now + .seconds(30)
        while test.server.localPort == nil, ContinuousClock.now < bound { try await Task.sleep(for: .milliseconds(10)) }
        try #require(test.server.localPort != nil, "the service group did not start the server")
        let port = test.server.localPort ?? 0

        let clients = try names.map { _ in try TestClient(port: port, identity: test.admin) }
        let replies = Task {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for (client, name) in zip(clients, names) {
                    group.addTask { try await client.put("/v1/key/generate/\(name)", "{}").status }
                }
                var statuses: [Int] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
        }
        // Every request has reached the key store: all are accepted and in progress.
        let arrived = ContinuousClock.now + .seconds(30)
        while slow.inFlight.load(ordering: .relaxed) < names.count, ContinuousClock.now < arrived {
            try await Task.sleep(for: .milliseconds(5))
        }
        try #require(slow.inFlight.load(ordering: .relaxed) == names.count, "not every request reached the store")
        kill(getpid(), SIGTERM)

        let statuses = try await replies.value
        #expect(statuses == Array(repeating: 200, count: names.count))
        try await running.value
        // The listener is gone: a new connection is refused.
        await #expect(throws: (any Error).self) {
            try await RawTLSConnection.with(port: port, identity: test.admin) { connection in
                try await connection.send("GET /version HTTP/1.1\r\nHost: kes\r\n\r\n")
            }
        }
    }
}

/// A memory store whose reads take `delay`, counting the reads under way.
final class SlowKeyStore: KeyStore {
    var kind: String { "slow" }
    let memory = MemoryKeyStore()
    let delay: Duration
    let inFlight = Atomic<Int>(0)

    init(delay: Duration) {
        self.delay = delay
    }

    func create(_ name: String, value: [UInt8]) async throws { try await memory.create(name, value: value) }
    func delete(_ name: String) async throws { try await memory.delete(name) }
    func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        try await memory.list(prefix: prefix, startingAt: start, limit: limit)
    }
    func status() async throws {}

    func get(_ name: String) async throws -> [UInt8] {
        inFlight.add(1, ordering: .relaxed)
        // The slowness under test: the reads are still in progress when shutdown begins.
        try await Task.sleep(for: delay)
        return try await memory.get(name)
    }
}

import Foundation
import KESConfig
import KESKeyStore
import KESTestSupport
import KESVault
import Logging
import Testing

@Suite(.serialized) struct OpenBaoOutageTests {
    static let token = "swift-kes-test-root"

    /// Port 0 lets OpenBao bind a port itself; a restart passes the port it got and retries,
    /// since the old listener's port can stay busy for a moment.
    static func startOpenBao(port: Int = 0, directory: String, auditLog: String? = nil) async throws -> BackendLauncher {
        try await BackendLauncher.start(
            "openbao-dev.sh", arguments: [String(port), token, directory], directory: directory, pidName: "openbao.pid",
            environment: auditLog.map { ["OPENBAO_AUDIT_LOG": $0] } ?? [:], attempts: port == 0 ? 1 : 10
        )
    }

    static func store(port: Int) async throws -> VaultKeyStore {
        var config = VaultKeyStoreConfig.devSecrets("http://127.0.0.1:\(port)", token: token)
        config.statusPing = .seconds(1)
        return try await VaultKeyStore(config: config, logger: Logger(label: "test"))
    }

    @Test func cachedKeysServeThroughAnOpenBaoOutage() async throws {
        let directory = TestServer.makeDirectory()
        let launched = try await Self.startOpenBao(directory: directory)
        try await withAsyncCleanup {
            let port = try #require(launched.port)
            let server = try await TestServer(keyStore: try await Self.store(port: port))
            try await withAsyncCleanup {
                try await OutageScenario(
                    server: server,
                    stopBackend: { await launched.stop() },
                    restartBackend: { _ = try await Self.startOpenBao(port: port, directory: directory) }
                ).run()
            } cleanup: {
                await #expect(throws: Never.self) { try await server.stopAndWait() }
            }
        } cleanup: {
            // The restart wrote the same PID file, so this stops whichever process runs now.
            await launched.stop()
        }
    }

    /// A sealed OpenBao answers, but cannot serve: the store is unavailable (502), not
    /// unreachable (504), and `/v1/status` reports only `keystore_unavailable`. Cached keys keep
    /// serving, and unsealing recovers without restarting swift-kes.
    @Test func sealedOpenBaoIsUnavailableNotUnreachable() async throws {
        try await withOpenBao(.sealable) { openBao in
            let admin = OpenBaoAdmin(openBao)
            try await admin.must(.POST, "sys/mounts/secret", ["type": "kv", "options": ["version": "2"]])
            let config = VaultKeyStoreConfig.devSecrets(openBao.address, token: openBao.rootToken)
            let store = try await VaultKeyStore(config: config, logger: Logger(label: "test"))
            let server = try await TestServer(keyStore: store)
            try await withAsyncCleanup {
                let client = try server.client()
                try await primeCachedAndUncached(client)
                #expect(try await client.get("/v1/ready").status == 200)

                try await admin.must(.PUT, "sys/seal")

                try expectExactError(try await client.get("/v1/ready"), status: 502, message: "key store is unavailable")
                let status = try await client.get("/v1/status")
                #expect(status.status == 200)
                let sealed = try status.jsonObject()
                #expect(sealed["keystore_unavailable"] as? Bool == true)
                #expect(sealed["keystore_unreachable"] == nil, "a sealed store answers, so it is reachable")
                #expect(sealed["keystore_latency"] == nil)
                #expect(try await client.put("/v1/key/generate/cached", "{}").status == 200)
                try expectExactError(
                    try await client.put("/v1/key/generate/uncached", "{}"), status: 502,
                    message: "bad gateway: failed to access key")

                try await admin.must(.PUT, "sys/unseal", ["key": try #require(openBao.unsealKey)])
                // An unsealed server takes a moment to become active again: poll with a deadline.
                let deadline = ContinuousClock.now + .seconds(10)
                var ready = try await client.get("/v1/ready").status
                while ready != 200, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    ready = try await client.get("/v1/ready").status
                }
                #expect(ready == 200)
                let unsealed = try await client.get("/v1/status").jsonObject()
                #expect(unsealed["keystore_unavailable"] == nil)
                #expect(try await client.put("/v1/key/generate/uncached", "{}").status == 200)
            } cleanup: {
                await #expect(throws: Never.self) { try await server.stopAndWait() }
            }
        }
    }

    /// N concurrent misses on one key cost one backend read. The store's reads are held until
    /// all N requests are in the server at once (its `kes_http_request_active` gauge), so the
    /// misses really overlap: with a fast read they might arrive one by one and each find the
    /// key cached, and the count would prove nothing. The reads are counted twice: at the store
    /// double, and in OpenBao's own audit log.
    @Test func missStormCostsOneRead() async throws {
        let directory = TestServer.makeDirectory()
        let auditLog = directory + "/audit.log"
        let openBao = try await Self.startOpenBao(directory: directory, auditLog: auditLog)
        try await withAsyncCleanup {
            let gated = GatedReads(try await Self.store(port: try #require(openBao.port)))
            let server = try await TestServer(keyStore: gated)
            try await withAsyncCleanup {
                try await storm(server: server, gated: gated, auditLog: auditLog)
            } cleanup: {
                await #expect(throws: Never.self) { try await server.stopAndWait() }
            }
        } cleanup: {
            await openBao.stop()
        }
    }

    private func storm(server: TestServer, gated: GatedReads, auditLog: String) async throws {
        let requests = 64
        #expect(try await server.client().put("/v1/key/create/storm").status == 200)

        func auditedReads() throws -> Int {
            let lines = try String(contentsOfFile: auditLog, encoding: .utf8).split(separator: "\n")
            return lines.filter { line in
                line.contains(#""type":"response""#) && line.contains(#""operation":"read""#)
                    && line.contains(#""path":"secret/data/kes/storm""#)
            }.count
        }
        // OpenBao writes an audit entry before it answers, so the create's own read is in already.
        let before = try auditedReads()
        let metrics = try server.client()
        let clients = try (0..<8).map { _ in try server.client() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<requests {
                let client = clients[index % clients.count]
                group.addTask { try await client.put("/v1/key/generate/storm", "{}").status }
            }
            // Polls the condition the gate waits for, with a deadline; not a fixed wait.
            // Well inside the key routes' 15 s deadline, which the held requests run under.
            let deadline = ContinuousClock.now + .seconds(10)
            var active = 0
            while active < requests, ContinuousClock.now < deadline {
                active = try await Self.activeRequests(metrics)
                if active < requests { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(active == requests, "requests in the server at once while the read was held")
            gated.open()
            for try await status in group { #expect(status == 200) }
        }
        #expect(gated.reads("storm") == 1)
        #expect(try auditedReads() - before == 1)
    }

    /// `kes_http_request_active` from `/v1/metrics`, which does not count itself.
    static func activeRequests(_ client: TestClient) async throws -> Int {
        let reply = try await client.get("/v1/metrics")
        #expect(reply.status == 200)
        let line = try #require(reply.body.split(separator: "\n").first { $0.hasPrefix("kes_http_request_active ") })
        return Int(try #require(Double(line.split(separator: " ").last ?? "")))
    }
}

import Foundation
import KESTestSupport
import KESVault
import Logging
import Testing

/// Transit on real OpenBao goes away while K/V stays: the mount is moved aside and back, which
/// keeps its key. Cached keys keep serving, what needs Transit fails with a `vault:` line in the
/// error log and nothing is written unwrapped, and the store is never counted as offline, since
/// K/V and the health probe still answer.
@Suite(.serialized) struct TransitOutageTests {
    @Test(.timeLimit(.minutes(2))) func cachedKeysServeWhileTransitIsGone() async throws {
        try await withOpenBao { openBao in
            let admin = OpenBaoAdmin(openBao)
            try await admin.must(.POST, "sys/mounts/transit", ["type": "transit"])
            try await admin.must(.POST, "transit/keys/kes")
            var config = VaultKeyStoreConfig.devSecrets(openBao.address, token: openBao.rootToken)
            config.statusPing = .seconds(1)
            config.transit = .init(key: "kes")
            let store = try await VaultKeyStore(config: config, logger: Logger(label: "test"))
            let server = try await TestServer(keyStore: store)
            try await withAsyncCleanup {
                let client = try server.client()
                try await primeCachedAndUncached(client)
                // The stream lives as long as its client does.
                let listener = try server.client()
                let errors = try await listener.stream("/v1/log/error")
                var errorLines = errors.makeAsyncIterator()

                try await Self.move(admin, from: "transit", to: "transit-away")
                for _ in 0..<20 {
                    #expect(try await client.put("/v1/key/generate/cached", "{}").status == 200)
                }
                #expect(try await client.put("/v1/key/generate/uncached", "{}").status == 502)
                let line = try #require(try await errorLines.next())
                #expect(line.contains(#"vault: failed to read 'secret/data/kes/uncached': failed to decrypt key: server responded with: Not Found (404)"#), "\(line)")
                #expect(try await client.put("/v1/key/create/during").status == 502)
                #expect(try await admin.call(.GET, "secret/data/kes/during").status == 404, "nothing is written unwrapped")
                let status = try await client.get("/v1/status").jsonObject()
                #expect(status["keystore_unreachable"] == nil)
                #expect(status["keystore_unavailable"] == nil)

                try await Self.move(admin, from: "transit-away", to: "transit")
                #expect(try await client.put("/v1/key/generate/uncached", "{}").status == 200)
                #expect(try await client.put("/v1/key/create/during").status == 200)
            } cleanup: {
                await #expect(throws: Never.self) { try await server.stopAndWait() }
            }
        }
    }

    /// Moves a mount and waits for the move to finish; OpenBao runs it in the background.
    static func move(_ admin: OpenBaoAdmin, from: String, to: String) async throws {
        let reply = try await admin.must(.POST, "sys/remount", ["from": from, "to": to])
        guard let id = reply.json?["migration_id"] as? String else { return }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let state = try await admin.must(.GET, "sys/remount/status/\(id)").data?["migration_info"] as? [String: Any]
            if state?["status"] as? String == "success" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("moving \(from) to \(to) did not finish")
    }
}

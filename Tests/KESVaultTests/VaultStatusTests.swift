import Foundation
import KESConfig
import KESKeyStore
import KESTestSupport
import Testing
@testable import KESVault

/// `status()`, the background health poll and the sealed fast path.
@Suite("Vault status and sealing", .requiresOpenBao)
struct VaultStatusTests {
    @Test("a running server is healthy; a stopped one is unreachable")
    func runningThenStopped() async throws {
        try await withOpenBao { server in
            _ = try await OpenBaoFixtures.install(on: OpenBaoAdmin(server))
            try await withStore(.test(server)) { store in
                try await store.status()
                try await store.create("k", value: "v".bytes)

                await OpenBaoLauncher.kill(server)
                let statusError = await keyStoreError { try await store.status() }
                guard case .unreachable(let why)? = statusError else {
                    Issue.record("expected unreachable, got \(String(describing: statusError))")
                    return
                }
                #expect(why.hasPrefix("vault: no connection to \(server.address)"))
                let getError = await keyStoreError { _ = try await store.get("k") }
                #expect(getError.map { if case .unreachable = $0 { true } else { false } } == true)
            }
        }
    }

    @Test("sealing makes the store unavailable; unsealing recovers it")
    func sealAndUnseal() async throws {
        try await withOpenBao(.sealable) { server in
            let admin = OpenBaoAdmin(server)
            _ = try await OpenBaoFixtures.install(on: admin)
            var config = VaultKeyStoreConfig.test(server)
            config.statusPing = .milliseconds(200)
            let log = LogRecorder()
            try await withStore(config, logger: log.logger) { store in
                try await store.create("k", value: "v".bytes)
                try await store.status()

                try await admin.must(.PUT, "sys/seal")
                // The background poll notices without anyone calling status().
                #expect(await eventually(within: .seconds(3)) { store.health.isSealed })
                let sealed = KeyStoreError.unavailable("vault: key store is sealed")
                #expect(await keyStoreError { _ = try await store.get("k") } == sealed)
                #expect(await keyStoreError { try await store.create("k2", value: "v".bytes) } == sealed)
                #expect(await keyStoreError { _ = try await store.list(prefix: "", limit: 0) } == sealed)
                #expect(await keyStoreError { try await store.status() } == sealed)

                try await OpenBaoAdmin(server, token: "").must(.PUT, "sys/unseal", ["key": server.unsealKey ?? ""])
                let recovered = await eventually(within: .seconds(5)) {
                    (try? await store.get("k")) == "v".bytes
                }
                #expect(recovered)
                try await store.status()
                try await store.create("k2", value: "v2".bytes)
            }
            #expect(log.errors.contains("vault: key store is sealed"))
        }
    }
}

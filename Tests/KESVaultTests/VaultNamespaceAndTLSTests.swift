import Foundation
import KESConfig
import KESKeyStore
import KESTLS
import KESTestSupport
import Testing

@testable import KESVault

/// OpenBao namespaces (X-Vault-Namespace) and HTTPS endpoints.
@Suite("Vault namespaces and TLS", .requiresOpenBao)
struct VaultNamespaceAndTLSTests {
    @Test("every key request carries the namespace")
    func namespace() async throws {
        try await withOpenBao { server in
            let root = OpenBaoAdmin(server)
            try await root.must(.POST, "sys/namespaces/tenant1")
            let tenant = OpenBaoAdmin(server, namespace: "tenant1")
            try await tenant.must(.POST, "sys/mounts/kv1", ["type": "kv", "options": ["version": "1"]])

            var config = VaultKeyStoreConfig.test(server, prefix: "kes")
            config.namespace = "tenant1"
            try await withStore(config) { store in
                try await store.create("k", value: "v".bytes)
                #expect(try await store.get("k") == "v".bytes)
                #expect(try await store.list(prefix: "", limit: 0).names == ["k"])
                // Health is asked in the root namespace.
                try await store.status()
                try await store.delete("k")
                #expect(await keyStoreError { _ = try await store.get("k") } == .keyNotFound)
                try await store.create("k", value: "v".bytes)
            }
            #expect(try await tenant.must(.GET, "kv1/kes/k").data?["k"] as? String == "v")
            // The root namespace has no kv1 mount at all.
            #expect(try await root.call(.GET, "kv1/kes/k").status != 200)
        }
    }

    @Test("HTTPS with the server's CA, with verification off, and refused without the CA")
    func https() async throws {
        try await withOpenBao(.devTLS) { server in
            #expect(server.address.hasPrefix("https://"))
            var config = VaultKeyStoreConfig.test(server, engine: "secret", version: .v2)
            config.tls.caPath = try #require(server.caFile)
            try await withStore(config) { store in
                try await store.create("k", value: "v".bytes)
                #expect(try await store.get("k") == "v".bytes)
                try await store.status()
            }

            config.tls = ClientTLS(insecureSkipVerify: true)
            try await withStore(config) { store async throws in
                #expect(try await store.get("k") == "v".bytes)
            }

            // A directory of CA files works too.
            config.tls = ClientTLS(caPath: (server.caFile! as NSString).deletingLastPathComponent)
            try await withStore(config) { store async throws in
                #expect(try await store.get("k") == "v".bytes)
            }

            config.tls = ClientTLS()
            let error = await keyStoreError { _ = try await VaultKeyStore(config: config, logger: LogRecorder().logger) }
            #expect(error?.isOutage == true)
        }
    }
}

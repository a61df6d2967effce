import Foundation
import KESKeyStore
import KESTestSupport
import Testing

@testable import KESVault

/// `keystore.vault.transit` on OpenBao's real Transit engine: what K/V holds, reading what KES
/// wrote and the other way round, key rotation, and a Transit key that is missing or not allowed.
@Suite("Vault Transit wrapping", .requiresOpenBao)
struct VaultTransitTests {
    /// Mounts `transit/` and creates its key `kes`.
    static func installTransit(_ admin: OpenBaoAdmin, key: String = "kes") async throws {
        try await admin.must(.POST, "sys/mounts/transit", ["type": "transit"])
        try await admin.must(.POST, "transit/keys/\(key)")
    }

    static func config(_ server: OpenBaoServer, version: VaultKeyStoreConfig.KVVersion, key: String = "kes") -> VaultKeyStoreConfig {
        var config = VaultKeyStoreConfig.test(server, engine: version == .v1 ? "kv1" : "kv2", version: version, prefix: "kes")
        config.transit = .init(key: key)
        return config
    }

    /// What K/V holds for `name`, as KES and swift-kes both lay it out.
    static func storedField(_ admin: OpenBaoAdmin, version: VaultKeyStoreConfig.KVVersion, _ name: String) async throws -> String? {
        switch version {
        case .v1: return try await admin.must(.GET, "kv1/kes/\(name)").data?[name] as? String
        case .v2: return (try await admin.must(.GET, "kv2/data/kes/\(name)").data?["data"] as? [String: Any])?[name] as? String
        }
    }

    @Test("K/V holds only Transit ciphertext; create, read, list and delete work", arguments: [VaultKeyStoreConfig.KVVersion.v1, .v2])
    func roundTrip(version: VaultKeyStoreConfig.KVVersion) async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            _ = try await OpenBaoFixtures.install(on: admin)
            try await Self.installTransit(admin)
            let secret = #"{"bytes":"c2VjcmV0IGtleSBtYXRlcmlhbA=="}"#
            try await withStore(Self.config(server, version: version)) { store in
                try await store.create("k", value: secret.bytes)
                let stored = try #require(try await Self.storedField(admin, version: version, "k"))
                #expect(stored.hasPrefix("vault:v1:"))
                #expect(!stored.contains("c2VjcmV0"))
                // Transit itself unwraps it to the key text: the layout is Transit's, nothing of ours.
                let plaintext = try await admin.must(.POST, "transit/decrypt/kes", ["ciphertext": stored]).data?["plaintext"] as? String
                #expect(plaintext == Data(secret.utf8).base64EncodedString())

                #expect(try await store.get("k") == secret.bytes)
                #expect(try await store.list(prefix: "", limit: 0).names == ["k"])
                #expect(await keyStoreError { try await store.create("k", value: "other".bytes) } == .keyExists)
                try await store.delete("k")
                #expect(await keyStoreError { _ = try await store.get("k") } == .keyNotFound)
            }
        }
    }

    @Test("a key wrapped the way KES wraps it is read, and a rotated Transit key still reads old keys")
    func foreignAndRotated() async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            _ = try await OpenBaoFixtures.install(on: admin)
            try await Self.installTransit(admin)
            // What KES writes: Transit's ciphertext of the base64 key text, as the secret's only field.
            let foreign = #"{"bytes":"Zm9yZWlnbiBrZXk="}"#
            let wrapped = try await admin.must(
                .POST, "transit/encrypt/kes", ["plaintext": Data(foreign.utf8).base64EncodedString()]
            ).data?["ciphertext"] as? String
            try await admin.must(.PUT, "kv2/data/kes/foreign", ["data": ["foreign": try #require(wrapped)]])

            try await withStore(Self.config(server, version: .v2)) { store in
                #expect(try await store.get("foreign") == foreign.bytes)
                try await store.create("before", value: "one".bytes)
                try await admin.must(.POST, "transit/keys/kes/rotate")
                try await store.create("after", value: "two".bytes)
                #expect(try await Self.storedField(admin, version: .v2, "after")?.hasPrefix("vault:v2:") == true)
                #expect(try await store.get("before") == "one".bytes)
                #expect(try await store.get("after") == "two".bytes)
            }
        }
    }

    @Test("a wrapped key read without a Transit config fails with a clear error")
    func wrappedWithoutTransit() async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            _ = try await OpenBaoFixtures.install(on: admin)
            try await Self.installTransit(admin)
            try await withStore(Self.config(server, version: .v1)) { store in
                try await store.create("k", value: "v".bytes)
            }
            try await withStore(VaultKeyStoreConfig.test(server, prefix: "kes")) { store in
                let error = await keyStoreError { _ = try await store.get("k") }
                #expect(error == .failed("vault: failed to read 'kv1/kes/k': key is encrypted with vault transit key"))
            }
        }
    }

    @Test("a Transit key that is not allowed or missing fails in the vault: style, and K/V is left alone")
    func notAllowedOrMissing() async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            let fixtures = try await OpenBaoFixtures.install(on: admin)
            try await Self.installTransit(admin)
            // The AppRole may use Transit key `kes` and the name `gone`, which does not exist.
            let policy = """
                path "kv1/*" { capabilities = ["create", "read", "update", "delete", "list"] }
                path "transit/encrypt/kes" { capabilities = ["update"] }
                path "transit/decrypt/kes" { capabilities = ["update"] }
                path "transit/decrypt/gone" { capabilities = ["update"] }
                """
            try await admin.must(.PUT, "sys/policies/acl/\(OpenBaoFixtures.policyName)", ["policy": policy])
            func appRole(transitKey: String) -> VaultKeyStoreConfig {
                var config = Self.config(server, version: .v1, key: transitKey)
                config.token = nil
                config.approle = .init(id: fixtures.roleID, secret: fixtures.secretID)
                return config
            }

            try await withStore(appRole(transitKey: "other")) { store async throws in
                let error = await keyStoreError { try await store.create("x", value: "v".bytes) }
                #expect(error == .failed("vault: failed to create 'kv1/kes/x': failed to encrypt key: server responded with: Forbidden (403): permission denied"))
                #expect(try await admin.call(.GET, "kv1/kes/x").status == 404, "nothing is written unwrapped")
            }
            try await withStore(appRole(transitKey: "kes")) { store in
                try await store.create("k", value: "v".bytes)
            }
            try await withStore(appRole(transitKey: "gone")) { store async throws in
                let error = await keyStoreError { _ = try await store.get("k") }
                #expect(error == .failed("vault: failed to read 'kv1/kes/k': failed to decrypt key: server responded with: Bad Request (400): encryption key not found"))
            }
        }
    }

    @Test("an empty Transit key name is refused at startup")
    func emptyKeyName() async throws {
        var config = VaultKeyStoreConfig(endpoint: "http://127.0.0.1:1")
        config.token = "t"
        config.transit = .init(key: " ")
        let error = await keyStoreError { _ = try await VaultKeyStore(config: config, logger: LogRecorder().logger) }
        #expect(error == .failed("vault: transit key name is empty"))
    }

    @Test("only Transit's ciphertext shape counts as wrapped")
    func wrappedShape() {
        #expect(VaultTransit.isWrapped("vault:v1:abc"))
        #expect(VaultTransit.isWrapped("vault:v12:abc"))
        #expect(!VaultTransit.isWrapped("vault:v:abc"))
        #expect(!VaultTransit.isWrapped("vault:vx:abc"))
        #expect(!VaultTransit.isWrapped(#"{"bytes":"vault:v1:"}"#))
        #expect(!VaultTransit.isWrapped("CiAAAA=="))
    }

    @Test("Vault's multi-line errors become one line")
    func oneLineErrors() {
        #expect(VaultResponse.oneLine("1 error occurred:\n\t* permission denied\n\n") == "permission denied")
        #expect(VaultResponse.oneLine("2 errors occurred:\n\t* a\n\t* b\n\n") == "a; b")
        #expect(VaultResponse.oneLine("encryption key not found") == "encryption key not found")
    }
}

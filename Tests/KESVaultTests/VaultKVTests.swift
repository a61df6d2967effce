import Foundation
import KESConfig
import KESKeyStore
import KESTestSupport
import Testing
@testable import KESVault

/// The KES storage layout (docs/formats.md, "Key store layouts") and key operations on K/V v1 and v2.
@Suite("Vault K/V storage", .requiresOpenBao)
struct VaultKVTests {
    /// A stored-key text (docs/formats.md, "Stored keys"); its `/` and `+` must survive the round trip unchanged.
    static let keyText = #"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","algorithm":"ChaCha20","created_at":"2023-10-05T09:12:44.123456789Z"}"#

    /// The raw path of `name` under prefix `kes/keys`, as KES lays it out.
    static func rawPath(_ version: VaultKeyStoreConfig.KVVersion, _ name: String) -> String {
        version == .v1 ? "kv1/kes/keys/\(name)" : "kv2/data/kes/keys/\(name)"
    }

    /// The secret's fields from a raw read.
    static func fields(_ reply: OpenBaoAdmin.Reply, _ version: VaultKeyStoreConfig.KVVersion) -> [String: Any]? {
        version == .v1 ? reply.data : reply.data?["data"] as? [String: Any]
    }

    @Test("create, get, list and delete with a prefix", arguments: [VaultKeyStoreConfig.KVVersion.v1, .v2])
    func crudAndList(version: VaultKeyStoreConfig.KVVersion) async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            _ = try await OpenBaoFixtures.install(on: admin)
            let engine = version == .v1 ? "kv1" : "kv2"
            // A sloppy prefix is cleaned like Go's path.Join.
            try await withStore(.test(server, engine: engine, version: version, prefix: "/kes//keys/")) { store in
                #expect(store.kind == "vault")
                for name in ["gamma", "alpha", "beta"] {
                    try await store.create(name, value: (Self.keyText + name).bytes)
                }
                #expect(try await store.get("alpha") == (Self.keyText + "alpha").bytes)

                #expect(await keyStoreError { try await store.create("alpha", value: "other".bytes) } == .keyExists)
                #expect(try await store.get("alpha") == (Self.keyText + "alpha").bytes)
                #expect(await keyStoreError { _ = try await store.get("missing") } == .keyNotFound)

                // Exactly the KES layout: one field named after the key, holding the text.
                let raw = try await admin.must(.GET, Self.rawPath(version, "alpha"))
                let fields = try #require(Self.fields(raw, version))
                #expect(fields.count == 1)
                #expect(fields["alpha"] as? String == Self.keyText + "alpha")
                if version == .v2 {
                    let meta = try await admin.must(.GET, "kv2/metadata/kes/keys/alpha")
                    #expect(meta.data?["current_version"] as? Int == 1)
                }

                // Sub-folders are not keys.
                let folderPath = version == .v1 ? "kv1/kes/keys/folder/inner" : "kv2/data/kes/keys/folder/inner"
                let folderBody: [String: Any] = version == .v1 ? ["inner": "x"] : ["data": ["inner": "x"]]
                try await admin.must(.PUT, folderPath, folderBody)

                #expect(try await store.list(prefix: "", limit: 0) == KeyListPage(names: ["alpha", "beta", "gamma"]))
                #expect(try await store.list(prefix: "b", limit: 0) == KeyListPage(names: ["beta"]))
                #expect(try await store.list(prefix: "", limit: 2) == KeyListPage(names: ["alpha", "beta"], continueAt: "gamma"))

                try await store.delete("beta")
                #expect(await keyStoreError { _ = try await store.get("beta") } == .keyNotFound)
                // Vault cannot tell a missing secret from a deleted one: deleting it succeeds.
                try await store.delete("never-created")
                #expect(try await store.list(prefix: "", limit: 0).names == ["alpha", "gamma"])

                // The name is free again (for v2 all versions and the metadata are gone).
                try await store.create("beta", value: "again".bytes)
                #expect(try await store.get("beta") == "again".bytes)
            }

            // A prefix with no secrets lists nothing rather than failing.
            try await withStore(.test(server, engine: engine, version: version, prefix: "nothing-here")) { store async throws in
                #expect(try await store.list(prefix: "", limit: 0) == KeyListPage(names: []))
            }
        }
    }

    @Test("values written by KES (raw HTTP) are readable", arguments: [VaultKeyStoreConfig.KVVersion.v1, .v2])
    func rawWrittenValues(version: VaultKeyStoreConfig.KVVersion) async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            _ = try await OpenBaoFixtures.install(on: admin)
            func put(_ name: String, _ secret: [String: Any]) async throws {
                let body: [String: Any] = version == .v1 ? secret : ["options": ["cas": 0], "data": secret]
                try await admin.must(.PUT, Self.rawPath(version, name), body)
            }
            try await put("written-by-kes", ["written-by-kes": Self.keyText])
            try await put("wrong-field", ["something-else": Self.keyText])
            try await put("not-a-string", ["not-a-string": 42])

            let engine = version == .v1 ? "kv1" : "kv2"
            try await withStore(.test(server, engine: engine, version: version, prefix: "kes/keys")) { store async throws in
                #expect(try await store.get("written-by-kes") == Self.keyText.bytes)

                let location = version == .v1 ? "kv1/kes/keys/wrong-field" : "kv2/data/kes/keys/wrong-field"
                let missingField = await keyStoreError { _ = try await store.get("wrong-field") }
                #expect(missingField == .failed("vault: failed to read '\(location)': entry exists but no secret key is present"))
                // An entry without the key's field is not "exists": it is an error, as in KES.
                let createOver = await keyStoreError { try await store.create("wrong-field", value: "x".bytes) }
                #expect(createOver == .failed("vault: failed to read '\(location)': entry exists but no secret key is present"))

                let wrongType = await keyStoreError { _ = try await store.get("not-a-string") }
                #expect(wrongType?.description.contains("invalid K/V format") == true)
            }
        }
    }

    @Test("a K/V v2 check-and-set conflict is reported as key exists")
    func casConflict() async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            _ = try await OpenBaoFixtures.install(on: admin)
            // A soft-deleted version reads as 404, but its version number makes cas=0 fail,
            // the same answer another server's concurrent create would cause.
            try await admin.must(.PUT, "kv2/data/raced", ["data": ["raced": "first"]])
            try await admin.must(.DELETE, "kv2/data/raced")
            try await withStore(.test(server, engine: "kv2", version: .v2)) { store in
                #expect(await keyStoreError { _ = try await store.get("raced") } == .keyNotFound)
                #expect(await keyStoreError { try await store.create("raced", value: "second".bytes) } == .keyExists)
            }
        }
    }

    @Test("names that are not one path segment are refused")
    func invalidNames() async throws {
        try await withOpenBao { server in
            _ = try await OpenBaoFixtures.install(on: OpenBaoAdmin(server))
            try await withStore(.test(server)) { store in
                for name in ["", ".", "..", "a/b"] {
                    #expect(await keyStoreError { try await store.create(name, value: "x".bytes) } == .failed("vault: invalid key name"))
                }
                // Characters that need escaping stay inside the one segment.
                try await store.create("key with space?", value: "v".bytes)
                #expect(try await store.get("key with space?") == "v".bytes)
                #expect(try await store.list(prefix: "key", limit: 0).names == ["key with space?"])
            }
        }
    }
}

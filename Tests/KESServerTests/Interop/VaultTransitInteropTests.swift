import Foundation
import KESTestSupport
import Testing

/// KES 2025 and swift-kes taking turns on one OpenBao K/V v2 mount whose keys are wrapped by a
/// Transit key (`keystore.vault.transit`), both started from the same config file, with an
/// AppRole login (KES has no static token method).
@Suite("Interop with reference KES: Vault with Transit", .requiresReferenceKES(.v2025))
struct VaultTransitInteropTests {
    /// Where the keys live and where the AppRole logs in; "" is the root namespace.
    struct Namespaces: Sendable, CustomTestStringConvertible {
        let engine: String
        /// `approle.namespace`: "" for none (the login goes to `engine`), "/" for the root.
        let login: String

        var testDescription: String { engine.isEmpty ? "root namespace" : "keys in '\(engine)', login in '\(login)'" }
    }

    static let transitKey = "kes-wrap"

    /// Creates `engine` as a namespace (when set), mounts K/V v2 at `kv/` and Transit (key
    /// `kes-wrap`) at `transit/` in it, and an AppRole in the login namespace whose policy
    /// covers both.
    static func install(_ server: OpenBaoServer, _ namespaces: Namespaces) async throws -> OpenBaoFixtures {
        let root = OpenBaoAdmin(server)
        if !namespaces.engine.isEmpty { try await root.must(.POST, "sys/namespaces/\(namespaces.engine)") }
        let engine = OpenBaoAdmin(server, namespace: namespaces.engine)
        try await engine.must(.POST, "sys/mounts/kv", ["type": "kv", "options": ["version": "2"]])
        try await engine.must(.POST, "sys/mounts/transit", ["type": "transit"])
        try await engine.must(.POST, "transit/keys/\(transitKey)")

        // The login namespace here is always the engine's or the root, whose policy names the
        // engine namespace's paths with the namespace in front.
        let loginInRoot = namespaces.login == "/"
        let login = loginInRoot ? root : engine
        let path = loginInRoot && !namespaces.engine.isEmpty ? namespaces.engine + "/" : ""
        let policy = """
            path "\(path)kv/*" { capabilities = ["create", "read", "update", "delete", "list"] }
            path "\(path)transit/encrypt/\(transitKey)" { capabilities = ["update"] }
            path "\(path)transit/decrypt/\(transitKey)" { capabilities = ["update"] }
            """
        try await login.must(.PUT, "sys/policies/acl/kes", ["policy": policy])
        try await login.must(.POST, "sys/auth/approle", ["type": "approle"])
        try await login.must(.POST, "auth/approle/role/kes", ["token_policies": ["kes"], "token_ttl": "5m"])
        let roleID = try await login.must(.GET, "auth/approle/role/kes/role-id").data?["role_id"] as? String
        let secretID = try await login.must(.POST, "auth/approle/role/kes/secret-id").data?["secret_id"] as? String
        return OpenBaoFixtures(roleID: try #require(roleID), secretID: try #require(secretID))
    }

    /// The `keystore:` section both servers read.
    static func keystore(_ server: OpenBaoServer, _ fixtures: OpenBaoFixtures, _ namespaces: Namespaces) -> String {
        var text = """
              vault:
                endpoint: \(server.address)
                engine: kv
                version: v2
                prefix: kes

            """
        if !namespaces.engine.isEmpty { text += "    namespace: \(namespaces.engine)\n" }
        text += "    approle:\n"
        if !namespaces.login.isEmpty { text += "      namespace: \(namespaces.login)\n" }
        text += """
                  id: \(fixtures.roleID)
                  secret: \(fixtures.secretID)
                transit:
                  engine: transit
                  key: \(transitKey)
            """
        return text
    }

    /// What K/V v2 holds for `name`: the secret's only field, named after the key.
    static func stored(_ admin: OpenBaoAdmin, _ name: String) async throws -> String? {
        (try await admin.must(.GET, "kv/data/kes/\(name)").data?["data"] as? [String: Any])?[name] as? String
    }

    /// KES 2025 creates and imports keys, which K/V holds as Transit ciphertext (`vault:v1:`);
    /// swift-kes, from the same config file, decrypts KES's ciphertexts, computes the same HMACs,
    /// and creates, imports and declares keys of its own, also stored as `vault:v1:`; KES 2025,
    /// started again, serves those: every ciphertext and HMAC matches, and both list all keys.
    ///
    /// With keys in namespace `team` and `approle.namespace: /`, both log in at the root and
    /// reach K/V and Transit in `team`: they read the login-namespace setting the same way.
    @Test(
        "keys and ciphertexts cross between KES 2025 and swift-kes on Vault Transit", .requiresOpenBao, .timeLimit(.minutes(1)),
        arguments: [Namespaces(engine: "", login: ""), Namespaces(engine: "team", login: "/")])
    func transitBothWays(namespaces: Namespaces) async throws {
        try await withOpenBao { bao in
            let fixtures = try await Self.install(bao, namespaces)
            let engine = OpenBaoAdmin(bao, namespace: namespaces.engine)
            let directory = TestServer.makeDirectory()
            let admin = try TestIdentity.apiKey()
            let keystore = Self.keystore(bao, fixtures, namespaces)

            let (fromKES, configFile) = try await withReferenceKES(
                .v2025, directory: directory, admin: admin, keystore: keystore, label: "kes-first"
            ) { kes in
                (try await kes.client().produce(create: "kes-created", import: "kes-imported", existing: []), kes.configFile)
            }
            for name in ["kes-created", "kes-imported"] {
                let stored = try await Self.stored(engine, name)
                #expect(stored?.hasPrefix("vault:v1:") == true, "KES 2025 stored '\(name)' as \(stored ?? "nothing")")
            }

            let store = try await ReferenceKES.swiftKESKeyStore(configFile: configFile)
            let server = try await TestServer(admin: admin, keyStore: store) { $0.keys = ["swift-declared"] }
            let fromSwift = try await withAsyncCleanup {
                let client = try server.client()
                try await client.expectServes(fromKES, on: "swift-kes")
                let produced = try await client.produce(create: "swift-created", import: "swift-imported", existing: ["swift-declared"])
                #expect(try await client.keyNames() == fromKES.keys.union(produced.keys))
                return produced
            } cleanup: {
                try? await server.stopAndWait()
            }
            for name in fromSwift.keys {
                let stored = try await Self.stored(engine, name)
                #expect(stored?.hasPrefix("vault:v1:") == true, "swift-kes stored '\(name)' as \(stored ?? "nothing")")
            }

            try await withReferenceKES(.v2025, directory: directory, admin: admin, keystore: keystore, label: "kes-second") { kes in
                let client = try kes.client()
                try await client.expectServes(fromSwift, on: "KES 2025")
                try await client.expectServes(fromKES, on: "KES 2025")
                #expect(try await client.keyNames() == fromKES.keys.union(fromSwift.keys))
            }
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips a test when `bao` is not installed (outside CI).
    fileprivate static var requiresOpenBao: Self {
        .enabled(if: OpenBaoLauncher.isInstalled || ProcessInfo.processInfo.environment["CI"] != nil, "bao is not on the PATH")
    }
}

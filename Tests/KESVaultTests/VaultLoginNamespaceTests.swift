import Crypto
import Foundation
import KESKeyStore
import KESTestSupport
import Testing

@testable import KESVault

/// `approle.namespace` and `kubernetes.namespace`: logging in somewhere other than where the
/// K/V engine lives, on OpenBao's real namespaces.
@Suite("Vault login namespaces")
struct VaultLoginNamespaceTests {
    /// An AppRole mounted in `loginNamespace` ("" for the root) whose policy there reaches K/V
    /// v1 at `kv1/` inside `engineNamespace`, a child of it.
    static func install(
        _ server: OpenBaoServer, loginNamespace: String, engineNamespace: String
    ) async throws -> OpenBaoFixtures {
        let root = OpenBaoAdmin(server)
        var parent = ""
        for segment in (loginNamespace + "/" + engineNamespace).split(separator: "/") {
            try await OpenBaoAdmin(server, namespace: parent).must(.POST, "sys/namespaces/\(segment)")
            parent = parent.isEmpty ? String(segment) : parent + "/" + segment
        }
        let engine = OpenBaoAdmin(server, namespace: loginNamespace.isEmpty ? engineNamespace : loginNamespace + "/" + engineNamespace)
        try await engine.must(.POST, "sys/mounts/kv1", ["type": "kv", "options": ["version": "1"]])
        let login = loginNamespace.isEmpty ? root : OpenBaoAdmin(server, namespace: loginNamespace)
        // A parent namespace's policy names a child's paths with the child's path in front.
        let policy = #"path "\#(engineNamespace)/kv1/*" { capabilities = ["create", "read", "update", "delete", "list"] }"#
        try await login.must(.PUT, "sys/policies/acl/kes", ["policy": policy])
        try await login.must(.POST, "sys/auth/approle", ["type": "approle"])
        try await login.must(.POST, "auth/approle/role/kes", ["token_policies": ["kes"], "token_ttl": "60s"])
        let roleID = try await login.must(.GET, "auth/approle/role/kes/role-id").data?["role_id"] as? String
        let secretID = try await login.must(.POST, "auth/approle/role/kes/secret-id").data?["secret_id"] as? String
        return OpenBaoFixtures(roleID: try #require(roleID), secretID: try #require(secretID))
    }

    static func config(_ server: OpenBaoServer, _ fixtures: OpenBaoFixtures, namespace: String, loginNamespace: String) -> VaultKeyStoreConfig {
        var config = VaultKeyStoreConfig.test(server, prefix: "kes")
        config.token = nil
        config.namespace = namespace
        config.approle = .init(id: fixtures.roleID, secret: fixtures.secretID)
        config.approle?.namespace = loginNamespace
        return config
    }

    @Test("AppRole in the root namespace (`/`), keys in a team namespace", .requiresOpenBao)
    func rootLogin() async throws {
        try await withOpenBao { server in
            let fixtures = try await Self.install(server, loginNamespace: "", engineNamespace: "team")
            try await withStore(Self.config(server, fixtures, namespace: "team", loginNamespace: "/")) { store in
                try await store.create("k", value: "v".bytes)
                #expect(try await store.get("k") == "v".bytes)
                #expect(try await store.list(prefix: "", limit: 0).names == ["k"])
                try await store.status()
            }
            #expect(try await OpenBaoAdmin(server, namespace: "team").must(.GET, "kv1/kes/k").data?["k"] as? String == "v")

            // Without the login namespace the login goes to `team`, which has no AppRole.
            let error = await keyStoreError {
                _ = try await VaultKeyStore(config: Self.config(server, fixtures, namespace: "team", loginNamespace: ""), logger: LogRecorder().logger)
            }
            #expect(error?.description.hasPrefix("vault: failed to log in with approle: server responded with:") == true)
        }
    }

    @Test("AppRole in a parent namespace, keys in its child", .requiresOpenBao)
    func parentLogin() async throws {
        try await withOpenBao { server in
            let fixtures = try await Self.install(server, loginNamespace: "org", engineNamespace: "team")
            try await withStore(Self.config(server, fixtures, namespace: "org/team", loginNamespace: "org")) { store in
                try await store.create("k", value: "v".bytes)
                #expect(try await store.get("k") == "v".bytes)
                try await store.delete("k")
            }
        }
    }

    /// KES's Kubernetes login sends `{"role","jwt"}` to `auth/<engine>/login`. OpenBao's JWT
    /// method takes exactly that body and checks a service-account-style token against a public
    /// key it is given, with no Kubernetes API to call, so it stands in for the cluster here.
    @Test("Kubernetes login in a parent namespace, keys in its child", .requiresOpenBao)
    func kubernetesLogin() async throws {
        try await withOpenBao { server in
            try await OpenBaoAdmin(server).must(.POST, "sys/namespaces/org")
            let org = OpenBaoAdmin(server, namespace: "org")
            try await org.must(.POST, "sys/namespaces/team")
            try await OpenBaoAdmin(server, namespace: "org/team").must(.POST, "sys/mounts/kv1", ["type": "kv", "options": ["version": "1"]])
            try await org.must(.PUT, "sys/policies/acl/kes", ["policy": #"path "team/kv1/*" { capabilities = ["create", "read", "update", "delete", "list"] }"#])
            let signer = P256.Signing.PrivateKey()
            try await org.must(.POST, "sys/auth/k8s", ["type": "jwt"])
            try await org.must(.POST, "auth/k8s/config", ["jwt_validation_pubkeys": [signer.publicKey.pemRepresentation]])
            try await org.must(.POST, "auth/k8s/role/kes", [
                "role_type": "jwt", "bound_audiences": ["kes"], "user_claim": "sub", "token_policies": ["kes"], "token_ttl": "60s",
            ])
            let directory = TestServer.makeDirectory()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let jwtFile = directory + "/token"
            try Self.serviceAccountJWT(signedBy: signer).write(toFile: jwtFile, atomically: true, encoding: .utf8)

            var config = VaultKeyStoreConfig.test(server, prefix: "kes")
            config.token = nil
            config.namespace = "org/team"
            config.kubernetes = .init(engine: "k8s", role: "kes", jwt: jwtFile)
            config.kubernetes?.namespace = "org"
            try await withStore(config) { store in
                try await store.create("k", value: "v".bytes)
                #expect(try await store.get("k") == "v".bytes)
            }
            config.kubernetes?.namespace = ""
            let error = await keyStoreError { _ = try await VaultKeyStore(config: config, logger: LogRecorder().logger) }
            #expect(error?.description.hasPrefix("vault: failed to log in with kubernetes: server responded with:") == true)
        }
    }

    /// A token shaped like a Kubernetes service-account token, signed with ES256.
    static func serviceAccountJWT(signedBy key: P256.Signing.PrivateKey) throws -> String {
        func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let now = Int(Date().timeIntervalSince1970)
        let header = base64URL(Data(#"{"alg":"ES256","typ":"JWT"}"#.utf8))
        let claims = base64URL(Data(#"{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:minio:kes","aud":"kes","iat":\#(now),"nbf":\#(now - 5),"exp":\#(now + 600)}"#.utf8))
        let signature = try key.signature(for: Data("\(header).\(claims)".utf8))
        return "\(header).\(claims).\(base64URL(signature.rawRepresentation))"
    }

    @Test("the login namespace: its own when set, `/` for the root, else the engine's")
    func loginNamespaceChoice() {
        let approle = { (namespace: String) in
            var role = VaultKeyStoreConfig.AppRole(id: "i", secret: "s")
            role.namespace = namespace
            return VaultAuthMethod.appRole(role)
        }
        #expect(approle("").loginNamespace(storeNamespace: "team") == "team")
        #expect(approle("/").loginNamespace(storeNamespace: "team") == "")
        #expect(approle("org").loginNamespace(storeNamespace: "team") == "org")
        var kubernetes = VaultKeyStoreConfig.Kubernetes(role: "r", jwt: "j")
        kubernetes.namespace = "/"
        #expect(VaultAuthMethod.kubernetes(kubernetes).loginNamespace(storeNamespace: "team") == "")
        #expect(VaultAuthMethod.token("t").loginNamespace(storeNamespace: "team") == "team")
    }
}

import KESAWS
import KESChainStore
import KESConfig
import KESFileStore
import KESTLS
import KESVault
import Testing

@Suite struct DefaultsTests {
    @Test func minimalConfigGetsKESDefaults() throws {
        let config = try parse(minimalConfig)
        #expect(config.address == "0.0.0.0:7373")
        #expect(config.adminIdentity == "disabled")
        #expect(config.tls == ServerTLSConfig())
        #expect(config.tls.auth == false)
        #expect(config.cache.expiryAny == .seconds(300))
        #expect(config.cache.expiryUnused == .seconds(30))
        #expect(config.cache.expiryOffline == .zero)
        #expect(config.log.error == true)
        #expect(config.log.audit == false)
        #expect(config.policies.isEmpty)
        #expect(config.api.isEmpty)
        #expect(config.keys.isEmpty)
        #expect(config.keystore.configuration as? FSKeyStoreConfig == FSKeyStoreConfig(path: "/tmp/kes"))
    }

    @Test func zeroCacheExpiryMeansDefault() throws {
        let config = try parse(minimalConfig + """

            cache:
              expiry:
                any: 0s
                unused: "0"
                offline: 0
            """)
        #expect(config.cache == CacheConfig())
    }

    @Test func cacheValuesAreRead() throws {
        let config = try parse(minimalConfig + """

            cache:
              expiry:
                any: 1h30m
                unused: 20s
                offline: 10m
            """)
        #expect(config.cache == CacheConfig(expiryAny: .seconds(5400), expiryUnused: .seconds(20), expiryOffline: .seconds(600)))
    }

    @Test(arguments: [
        ("on", true), ("off", false), ("true", true), ("false", false), ("ON", true), ("Off", false), ("\"\"", false),
    ])
    func tlsAuthAcceptsOnOffAndBooleans(value: String, expected: Bool) throws {
        let config = try parse(minimalConfig + "\ntls:\n  auth: \(value)\n")
        #expect(config.tls.auth == expected)
    }

    @Test func logSwitches() throws {
        let config = try parse(minimalConfig + "\nlog:\n  error: off\n  audit: on\n")
        #expect(config.log == LogConfig(error: false, audit: true))
        let booleans = try parse(minimalConfig + "\nlog:\n  error: false\n  audit: true\n")
        #expect(booleans.log == LogConfig(error: false, audit: true))
    }

    @Test func vaultDefaults() throws {
        let config = try parse("""
            admin: {identity: disabled}
            keystore:
              vault:
                endpoint: http://127.0.0.1:8200
                token: root
            """)
        var expected = VaultKeyStoreConfig(endpoint: "http://127.0.0.1:8200")
        expected.token = "root"
        #expect(config.keystore.configuration as? VaultKeyStoreConfig == expected)
        guard let vault = config.keystore.configuration as? VaultKeyStoreConfig else { return }
        #expect(vault.engine == "kv")
        #expect(vault.kvVersion == .v1)
        #expect(vault.statusPing == .seconds(15))
    }

    @Test func approleDefaults() throws {
        let config = try parse("""
            admin: {identity: disabled}
            keystore:
              vault:
                endpoint: https://vault:8200
                version: v2
                approle:
                  id: role
                  secret: secret
                  retry: 0s
            """)
        guard let vault = config.keystore.configuration as? VaultKeyStoreConfig else {
            Issue.record("expected vault")
            return
        }
        #expect(vault.kvVersion == .v2)
        #expect(vault.approle == VaultKeyStoreConfig.AppRole(engine: "approle", id: "role", secret: "secret", retry: .seconds(5)))
        #expect(vault.kubernetes == nil)
        #expect(vault.token == nil)
    }

    @Test func transitAndLoginNamespaces() throws {
        let config = try parse("""
            admin: {identity: disabled}
            keystore:
              vault:
                endpoint: https://vault:8200
                namespace: team
                transit:
                  key: kes-wrap
                approle:
                  namespace: /
                  id: role
                  secret: secret
            """)
        let vault = try #require(config.keystore.configuration as? VaultKeyStoreConfig)
        #expect(vault.endpoints == ["https://vault:8200"])
        #expect(vault.transit == .init(engine: "transit", key: "kes-wrap"))
        #expect(vault.approle?.namespace == "/")
        #expect(vault.namespace == "team")

        let kubernetes = try parse("""
            admin: {identity: disabled}
            keystore:
              vault:
                endpoint: https://vault:8200
                transit: {engine: wrap/, key: k}
                kubernetes: {namespace: org, role: r, jwt: j}
            """)
        let k8s = try #require(kubernetes.keystore.configuration as? VaultKeyStoreConfig)
        #expect(k8s.transit == .init(engine: "wrap/", key: "k"))
        #expect(k8s.kubernetes?.namespace == "org")
        #expect(errorMessage("admin: {identity: disabled}\nkeystore:\n  vault:\n    endpoint: e\n    token: t\n    transit: {engine: t}\n")
            == "config: server.yaml: keystore.vault.transit.key: no transit key name specified")
    }

    @Test func vaultEndpointList() throws {
        let config = try parse("""
            admin: {identity: disabled}
            keystore:
              vault:
                endpoint: [https://bao-0:8200, https://bao-1:8200, "", https://bao-2:8200]
                token: t
            """)
        let vault = try #require(config.keystore.configuration as? VaultKeyStoreConfig)
        #expect(vault.endpoints == ["https://bao-0:8200", "https://bao-1:8200", "https://bao-2:8200"])
        #expect(errorMessage("admin: {identity: disabled}\nkeystore: {vault: {endpoint: [], token: t}}\n")
            == "config: server.yaml: keystore.vault.endpoint: no endpoint specified")
    }

    @Test func kubernetesAuth() throws {
        let config = try parse("""
            admin: {identity: disabled}
            keystore:
              vault:
                endpoint: https://vault:8200
                engine: secrets
                namespace: ns2
                prefix: tenant-2
                kubernetes:
                  engine: k8s
                  role: default
                  jwt: ./testdata/vault-k8s-service-account
                  retry: 15s
                tls:
                  key: client.key
                  cert: client.crt
                  ca: ca.crt
                status:
                  ping: 3s
            """)
        var expected = VaultKeyStoreConfig(endpoint: "https://vault:8200")
        expected.engine = "secrets"
        expected.namespace = "ns2"
        expected.prefix = "tenant-2"
        expected.kubernetes = .init(engine: "k8s", role: "default", jwt: "./testdata/vault-k8s-service-account", retry: .seconds(15))
        expected.tls = ClientTLS(keyPath: "client.key", certPath: "client.crt", caPath: "ca.crt")
        expected.statusPing = .seconds(3)
        #expect(config.keystore.configuration as? VaultKeyStoreConfig == expected)
    }

    @Test func awsEndpointDefaultsFromRegion() throws {
        let config = try parse("""
            admin: {identity: disabled}
            keystore:
              aws:
                secretsmanager:
                  region: eu-west-1
            """)
        #expect(config.keystore.configuration as? AWSSecretsManagerConfig == AWSSecretsManagerConfig(endpoint: "secretsmanager.eu-west-1.amazonaws.com", region: "eu-west-1"))
    }

    @Test func kesEndpointAsSingleStringOrList() throws {
        let single = try parse("""
            admin: {identity: disabled}
            keystore:
              kes:
                endpoint: https://upstream:7373
                api_key: kes:v1:ADsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP+3+JSfx5Wq
            """)
        var expected = KESKeyStoreConfig(endpoints: ["https://upstream:7373"])
        expected.apiKey = "kes:v1:ADsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP+3+JSfx5Wq"
        #expect(single.keystore.configuration as? KESKeyStoreConfig == expected)
        let list = try parse("""
            admin: {identity: disabled}
            keystore:
              kes:
                endpoint: [https://a:7373, https://b:7373]
                enclave: tenant-1
                tls: {key: c.key, cert: c.crt}
            """)
        var expectedList = KESKeyStoreConfig(endpoints: ["https://a:7373", "https://b:7373"])
        expectedList.enclave = "tenant-1"
        expectedList.tls = ClientTLS(keyPath: "c.key", certPath: "c.crt")
        #expect(list.keystore.configuration as? KESKeyStoreConfig == expectedList)
    }

    @Test func nullSectionsCountAsUnset() throws {
        let config = try parse("""
            address:
            admin:
              identity: disabled
            tls:
            cache:
            policy:
            api:
            keys:
            keystore:
              vault:
              fs:
                path: /tmp/kes
            """)
        #expect(config.address == "0.0.0.0:7373")
        #expect(config.keystore.configuration as? FSKeyStoreConfig == FSKeyStoreConfig(path: "/tmp/kes"))
    }

    /// A setting of a newer KES release, or one swift-kes does not implement, is refused by name
    /// wherever it sits, never silently dropped.
    @Test func unknownKeysInBackendAndPolicySectionsAreRefused() {
        #expect(errorMessage("admin: {identity: disabled}\npolicy: {p: {future_option: 1}}\nkeystore: {fs: {path: /tmp/kes}}\n")
            == "config: server.yaml: policy.p.future_option: unknown field; expected one of 'allow', 'deny', 'identities'")
        #expect(errorMessage("admin: {identity: disabled}\nkeystore: {fs: {path: /tmp/kes, future_option: 1}}\n")
            == "config: server.yaml: keystore.fs.future_option: unknown field; expected one of 'path'")
        #expect(errorMessage(minimalConfig + "\nmlock: true\n") != nil)
    }

    @Test func declarativeKeysKeepOrder() throws {
        let config = try parse(minimalConfig + "\nkeys:\n- name: b\n- name: a\n")
        #expect(config.keys == ["b", "a"])
    }
}

import Foundation
import KESAWS
import KESChainStore
import KESConfig
import KESFileStore
import KESVault
import Testing

/// Every file in `config/` must load; they are what users copy.
@Suite struct ExampleConfigTests {
    let environment = [
        "KES_ADMIN_IDENTITY": "3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22",
        "MINIO_KES_IDENTITY": "02ef5321ca409dbc7b10e7e8ee44d1c3b91e4bf6e2198befdebee6312745267b",
        "VAULT_ADDR": "http://127.0.0.1:8200",
        "VAULT_TOKEN": "dev-root-token",
        "VAULT_APPROLE_ID": "db02de05-fa39-4855-059b-67221c5c2f63",
        "VAULT_APPROLE_SECRET": "6a174c20-f6de-a53c-74d2-6018fcceff64",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "UPSTREAM_KES_API_KEY": "kes:v1:ADsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP+3+JSfx5Wq",
    ]

    func load(_ name: String) throws -> ServerConfig {
        try ServerConfig.load(path: exampleConfigDirectory.appendingPathComponent(name).path, environment: environment)
    }

    @Test func everyExampleLoads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: exampleConfigDirectory.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        #expect(Set(files).isSuperset(of: ["server-config.yaml", "vault.yaml", "vault-kv2-approle.yaml", "aws.yaml", "kes-chain.yaml"]))
        for file in files {
            #expect(throws: Never.self, "\(file)") { _ = try load(file) }
        }
    }

    @Test func filesystemExample() throws {
        let config = try load("server-config.yaml")
        #expect(config.keystore.configuration as? FSKeyStoreConfig == FSKeyStoreConfig(path: "./keys"))
        #expect(config.adminIdentity == environment["KES_ADMIN_IDENTITY"])
        #expect(config.policies.map(\.name) == ["minio", "monitoring"])
        #expect(config.policies[0].identities == [environment["MINIO_KES_IDENTITY"]!])
        #expect(config.tls.auth == false)
        #expect(config.tls.proxyCertHeader == "X-Tls-Client-Cert")
        #expect(config.api["/v1/ready"]?.skipAuth == true)
        #expect(config.keys == ["minio-default-key"])
    }

    @Test func vaultTokenExample() throws {
        guard let vault = try load("vault.yaml").keystore.configuration as? VaultKeyStoreConfig else {
            Issue.record("expected vault")
            return
        }
        #expect(vault.endpoint == "http://127.0.0.1:8200")
        #expect(vault.kvVersion == .v1)
        #expect(vault.prefix == "kes")
        #expect(vault.token == "dev-root-token")
        #expect(vault.statusPing == .seconds(10))
    }

    @Test func vaultTransitExample() throws {
        let vault = try #require(try load("vault-transit.yaml").keystore.configuration as? VaultKeyStoreConfig)
        #expect(vault.transit == .init(engine: "transit", key: "kes-wrap"))
        #expect(vault.namespace == "team")
        #expect(vault.approle?.namespace == "/")
    }

    @Test func vaultAppRoleExample() throws {
        let config = try load("vault-kv2-approle.yaml")
        #expect(config.adminIdentity == "disabled")
        #expect(config.tls.auth == true)
        #expect(config.cache.expiryOffline == .seconds(3600))
        guard let vault = config.keystore.configuration as? VaultKeyStoreConfig else {
            Issue.record("expected vault")
            return
        }
        #expect(vault.kvVersion == .v2)
        #expect(vault.approle == .init(id: "db02de05-fa39-4855-059b-67221c5c2f63", secret: "6a174c20-f6de-a53c-74d2-6018fcceff64", retry: .seconds(15)))
        #expect(vault.token == nil)
        #expect(vault.tls.caPath == "/etc/kes/certs/vault-ca.crt")
    }

    @Test func awsExample() throws {
        var expected = AWSSecretsManagerConfig(endpoint: "secretsmanager.us-east-2.amazonaws.com", region: "us-east-2")
        expected.accessKey = "AKIAIOSFODNN7EXAMPLE"
        expected.secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        #expect(try load("aws.yaml").keystore.configuration as? AWSSecretsManagerConfig == expected)
    }

    @Test func kesChainExample() throws {
        guard let kes = try load("kes-chain.yaml").keystore.configuration as? KESKeyStoreConfig else {
            Issue.record("expected kes")
            return
        }
        #expect(kes.endpoints == ["https://kes-1.example.internal:7373", "https://kes-2.example.internal:7373"])
        #expect(kes.apiKey.hasPrefix("kes:v1:"))
        #expect(kes.tls.caPath == "./certs/upstream-ca.crt")
    }
}

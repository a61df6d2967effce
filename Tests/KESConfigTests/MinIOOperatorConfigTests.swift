import Foundation
import KESConfig
import KESVault
import Testing

/// config/minio-operator.yaml is the `server-config.yaml` a MinIO Operator Tenant mounts: it must
/// fit the Operator's mount paths and grant MinIO exactly what it calls.
@Suite struct MinIOOperatorConfigTests {
    let environment = [
        "MINIO_KES_IDENTITY": "02ef5321ca409dbc7b10e7e8ee44d1c3b91e4bf6e2198befdebee6312745267b",
        "VAULT_ADDR": "https://vault.example.internal:8200",
        "VAULT_APPROLE_ID": "db02de05-fa39-4855-059b-67221c5c2f63",
        "VAULT_APPROLE_SECRET": "6a174c20-f6de-a53c-74d2-6018fcceff64",
    ]

    @Test func operatorExample() throws {
        let path = exampleConfigDirectory.appendingPathComponent("minio-operator.yaml").path
        let config = try ServerConfig.load(path: path, environment: environment)
        // The Operator mounts the server certificate it issued next to this file.
        #expect(config.tls.keyPath == "/tmp/kes/server.key")
        #expect(config.tls.certPath == "/tmp/kes/server.crt")
        #expect(config.adminIdentity == "disabled")
        #expect(config.policies.map(\.name) == ["minio"])
        let minio = try #require(config.policies.first)
        #expect(minio.identities == [environment["MINIO_KES_IDENTITY"]])
        // What MinIO calls, and nothing that deletes, imports or reads other identities' policies.
        #expect(Set(minio.allow).isSuperset(of: ["/v1/key/create/*", "/v1/key/generate/*", "/v1/key/decrypt/*", "/v1/key/describe/*"]))
        #expect(!minio.allow.contains { $0.contains("delete") || $0.contains("import") || $0.contains("policy") || $0.contains("identity") })
        let vault = try #require(config.keystore.configuration as? VaultKeyStoreConfig)
        #expect(vault.endpoint == "https://vault.example.internal:8200")
        #expect(vault.kvVersion == .v2)
    }
}

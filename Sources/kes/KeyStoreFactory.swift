import KESAWS
import KESConfig
import KESFileStore
import KESKeyStore
import KESVault
import Logging

/// Opens the backend a config's `keystore:` section names.
enum KeyStoreFactory {
    static func open(_ config: KeyStoreConfig, logger: Logger) async throws -> any KeyStore {
        switch config {
        case .fs(let fs):
            return try FileKeyStore(path: fs.path)
        case .vault(let vault):
            return try await VaultKeyStore(config: vault, logger: logger)
        case .awsSecretsManager(let aws):
            return try await AWSSecretsManagerKeyStore(config: aws, logger: logger)
        case .kes:
            throw ValidationFailure("keystore.kes: not supported yet by swift-kes")
        }
    }
}

struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

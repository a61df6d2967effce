import KESAWS
import KESChainStore
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
        case .kes(let upstream):
            return try KESChainKeyStore(config: upstream)
        }
    }
}

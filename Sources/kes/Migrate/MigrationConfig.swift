import KESBootstrap
import KESConfig
import KESKeyStore
import Logging

/// Opens the key store of a KES server config file for `kes migrate`. Only the `keystore:`
/// section is read, so the other sections (and the environment variables they reference, such
/// as policy identities) cannot stop a migration.
enum MigrationConfig {
    static func openStore(path: String, role: String, logger: Logger) async throws -> any KeyStore {
        let section: KeyStoreSection
        do {
            section = try ServerConfig.loadKeyStore(path: path)
        } catch {
            throw UsageFailure("the \(role) config is invalid: \(error)")
        }
        do {
            return try await KESBootstrap.connectKeyStore(section, logger: logger)
        } catch {
            throw CommandFailure("cannot open the \(role) key store of '\(path)': \(error)")
        }
    }
}

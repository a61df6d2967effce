import Foundation
import KESConfig

/// Reads the `keystore:` section of a KES server config for `kes migrate`.
enum MigrationConfig {
    /// A config written only for migration need not name an admin: a placeholder is
    /// added when the file has no top-level `admin:` section.
    static func load(path: String, role: String) throws -> KeyStoreConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw UsageFailure("cannot read the \(role) config '\(path)'")
        }
        let hasAdmin = text.split(separator: "\n").contains { $0.hasPrefix("admin:") }
        let yaml = hasAdmin ? text : text + "\nadmin:\n  identity: disabled\n"
        do {
            return try ServerConfig.parse(yaml, file: path, environment: ProcessInfo.processInfo.environment).keystore
        } catch {
            throw UsageFailure("the \(role) config is invalid: \(error)")
        }
    }
}

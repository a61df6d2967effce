import Foundation
import KESConfig

/// Reads the `keystore:` section of a KES server config for `kes migrate`.
enum MigrationConfig {
    static func load(path: String, role: String) throws -> KeyStoreConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw UsageFailure("cannot read the \(role) config '\(path)'")
        }
        // Only the key store matters here, so the other sections (and the environment
        // variables they reference, such as policy identities) must not stop a migration.
        let yaml = "admin:\n  identity: disabled\n" + (keystoreSection(text) ?? "")
        do {
            return try ServerConfig.parse(yaml, file: path, environment: ProcessInfo.processInfo.environment).keystore
        } catch {
            throw UsageFailure("the \(role) config is invalid: \(error)")
        }
    }

    /// The top-level `keystore:` block: its line and every following line up to the next
    /// top-level key.
    static func keystoreSection(_ text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("keystore:") }) else { return nil }
        var end = start + 1
        while end < lines.count {
            let line = lines[end]
            if let first = line.first, first != " ", first != "\t", first != "#" { break }
            end += 1
        }
        return lines[start..<end].joined(separator: "\n") + "\n"
    }
}

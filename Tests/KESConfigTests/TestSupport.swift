import Foundation
import KESConfig

/// A config with only what is required, for tests that add one section.
let minimalConfig = """
    admin:
      identity: disabled
    keystore:
      fs:
        path: /tmp/kes
    """

func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> ServerConfig {
    try ServerConfig.parse(yaml, file: "server.yaml", environment: environment)
}

/// The error message parsing `yaml` produces, or nil if it parses.
func errorMessage(_ yaml: String, environment: [String: String] = [:]) -> String? {
    do {
        _ = try parse(yaml, environment: environment)
        return nil
    } catch {
        return error.message
    }
}

/// The repository's `config/` directory.
let exampleConfigDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("config")

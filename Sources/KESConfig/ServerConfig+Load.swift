import Foundation
import Yams

extension ServerConfig {
    /// Reads and parses the config file at `path`.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> ServerConfig {
        try parse(try read(path), file: path, environment: environment)
    }

    /// Reads only the `keystore:` section of a config file, for tools such as `kes migrate` that
    /// open a key store without serving it: the other sections (and the environment variables
    /// they reference) must not stop them.
    public static func loadKeyStore(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> KeyStoreSection {
        let reader = ConfigReader(file: path, environment: environment)
        let root = ConfigField(node: try compose(try read(path), file: path), path: "")
        return try reader.keyStoreSection(root.child("keystore"))
    }

    /// Parses config text. `file` only names the source in error messages.
    public static func parse(
        _ yaml: String,
        file: String,
        environment: [String: String]
    ) throws(ConfigError) -> ServerConfig {
        let reader = ConfigReader(file: file, environment: environment)
        return try reader.serverConfig(ConfigField(node: try compose(yaml, file: file), path: ""))
    }

    private static func read(_ path: String) throws(ConfigError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(message: "config: \(path): cannot read file: \(Self.reason(error))")
        }
    }

    private static func compose(_ yaml: String, file: String) throws(ConfigError) -> Node? {
        do {
            return try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(message: "config: \(file): \(describeYAMLError(error))")
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch (error as? CocoaError)?.code {
        case .fileReadNoSuchFile?, .fileNoSuchFile?: return "no such file"
        case .fileReadNoPermission?: return "permission denied"
        default: return error.localizedDescription
        }
    }
}

/// Turns a Yams error into one line that names the position, without echoing the file.
private func describeYAMLError(_ error: any Error) -> String {
    guard let yamlError = error as? YamlError else { return "invalid YAML: \(error)" }
    switch yamlError {
    case .scanner(let context, let problem, let mark, _),
        .parser(let context, let problem, let mark, _),
        .composer(let context, let problem, let mark, _):
        var text = "line \(mark.line), column \(mark.column): \(problem)"
        if let context {
            text += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        return text
    case .duplicatedKeysInMapping(let duplicates, let context):
        let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
        return "line \(context.mark.line): duplicate key \(keys)"
    case .reader(let problem, let offset, _, _):
        return "invalid input\(offset.map { " at offset \($0)" } ?? ""): \(problem)"
    default:
        return "invalid YAML: \(yamlError)"
    }
}

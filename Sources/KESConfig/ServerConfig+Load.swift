import Foundation
import Yams

extension ServerConfig {
    /// Reads and parses the config file at `path`.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> ServerConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(message: "config: \(path): cannot read file: \(Self.reason(error))")
        }
        return try parse(text, file: path, environment: environment)
    }

    /// Parses config text. `file` only names the source in error messages.
    public static func parse(
        _ yaml: String,
        file: String,
        environment: [String: String]
    ) throws(ConfigError) -> ServerConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(message: "config: \(file): \(describeYAMLError(error))")
        }
        let reader = ConfigReader(file: file, environment: environment)
        return try reader.serverConfig(ConfigField(node: root, path: ""))
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

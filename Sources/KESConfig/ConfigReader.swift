import Foundation
import KESCore
import Yams

/// Reads typed values out of YAML nodes: expands `${NAME}` references (docs/formats.md, "Config file")
/// and turns every type mismatch into a `ConfigError` that names the field.
struct ConfigReader {
    let file: String
    let environment: [String: String]

    func error(_ path: String, _ what: String) -> ConfigError {
        if path.isEmpty {
            return ConfigError(message: "config: \(file): \(what)")
        }
        return ConfigError(message: "config: \(file): \(path): \(what)")
    }

    /// Checks that a present field is a mapping. Absent fields read as empty sections.
    func section(_ field: ConfigField) throws(ConfigError) -> ConfigField {
        if field.isAbsent { return ConfigField(node: nil, path: field.path) }
        guard case .mapping = field.node else { throw error(field.path, "expected a mapping") }
        return field
    }

    /// The mapping's entries in file order, with each value's path. Keys must be scalars.
    func entries(_ field: ConfigField) throws(ConfigError) -> [(key: String, value: ConfigField)] {
        let section = try section(field)
        guard case .mapping(let mapping) = section.node else { return [] }
        var result: [(key: String, value: ConfigField)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else {
                throw error(field.path, "expected scalar keys")
            }
            let path = field.path.isEmpty ? key : "\(field.path).\(key)"
            result.append((key, ConfigField(node: valueNode, path: path)))
        }
        return result
    }

    /// The elements of a list; an absent field is an empty list.
    func list(_ field: ConfigField) throws(ConfigError) -> [ConfigField] {
        if field.isAbsent { return [] }
        guard case .sequence(let sequence) = field.node else { throw error(field.path, "expected a list") }
        return sequence.enumerated().map { ConfigField(node: $0.element, path: "\(field.path)[\($0.offset)]") }
    }

    /// A scalar's text, `nil` when absent. With `expand`, a value that is exactly `${NAME}`
    /// is replaced by the environment variable; partial references stay literal, as in KES.
    func string(_ field: ConfigField, expand: Bool = true) throws(ConfigError) -> String? {
        if field.isAbsent { return nil }
        guard case .scalar(let scalar) = field.node else { throw error(field.path, "expected a string") }
        let text = scalar.string
        guard expand, let name = environmentReference(in: text) else { return text }
        guard let value = environment[name] else {
            throw error(field.path, "environment variable '\(name)' is not set")
        }
        return value
    }

    /// A list of strings; null entries read as "".
    func strings(_ field: ConfigField, expand: Bool = true) throws(ConfigError) -> [String] {
        var result: [String] = []
        for element in try list(field) {
            result.append(try string(element, expand: expand) ?? "")
        }
        return result
    }

    /// A boolean. YAML 1.2 says `true`/`false`; KES (Go yaml.v3) also takes the YAML 1.1
    /// spellings `on`/`off`/`yes`/`no`, which real config files use.
    func bool(_ field: ConfigField) throws(ConfigError) -> Bool? {
        guard let text = try string(field) else { return nil }
        switch text.lowercased() {
        case "true", "on", "yes", "y": return true
        case "false", "off", "no", "n": return false
        default: throw error(field.path, "expected a boolean (true or false), got \"\(text)\"")
        }
    }

    /// An `on`/`off` switch (`log.error`, `log.audit`, `tls.auth`); `true`/`false` are the
    /// same switch spelled the YAML 1.2 way. An empty value counts as unset.
    func onOff(_ field: ConfigField) throws(ConfigError) -> Bool? {
        guard let text = try string(field) else { return nil }
        switch text.lowercased() {
        case "": return nil
        case "on", "true": return true
        case "off", "false": return false
        default: throw error(field.path, "invalid value \"\(text)\": expected on or off")
        }
    }

    /// A Go duration (`5m`, `1h30m`); negative values are rejected. Empty means unset.
    func duration(_ field: ConfigField) throws(ConfigError) -> Duration? {
        guard let text = try string(field) else { return nil }
        if text.isEmpty { return nil }
        let value: Duration
        do {
            value = try parseGoDuration(text)
        } catch {
            throw self.error(field.path, "invalid duration \"\(text)\"")
        }
        guard value >= .zero else {
            throw self.error(field.path, "negative duration \"\(text)\"")
        }
        return value
    }

    /// `NAME` if the trimmed text is exactly `${NAME}` (spaces inside the braces allowed).
    private func environmentReference(in text: String) -> String? {
        // Every string value comes through here (100,000 identities in a policy, too); the
        // Foundation trim below cost 40 % of such a start-up, so text without a "$" skips it.
        guard text.utf8.contains(UInt8(ascii: "$")) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("${"), trimmed.hasSuffix("}"), trimmed.count >= 3 else { return nil }
        let inner = trimmed.dropFirst(2).dropLast()
        // "${A}-${B}" is partial interpolation, which KES leaves literal.
        guard !inner.contains("$"), !inner.contains("{"), !inner.contains("}") else { return nil }
        let name = inner.trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : name
    }
}

import Yams

/// A YAML node (or its absence) together with the dotted path that names it in errors,
/// e.g. `policy.minio.allow[2]`.
struct ConfigField {
    let node: Node?
    let path: String

    /// True when the key is missing or its value is YAML null (`key:` with nothing after it).
    /// KES treats both the same way: as "not configured".
    var isAbsent: Bool {
        guard let node else { return true }
        guard case .scalar(let scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The value under `key` if this field is a mapping; an absent field otherwise.
    /// Type errors surface when the caller reads this field as a section.
    func child(_ key: String) -> ConfigField {
        let childPath = path.isEmpty ? key : "\(path).\(key)"
        guard case .mapping(let mapping) = node else {
            return ConfigField(node: nil, path: childPath)
        }
        // Keys are compared by their text, whatever tag the resolver gave them.
        let value = mapping.reversed().first { $0.key.scalar?.string == key }?.value
        return ConfigField(node: value, path: childPath)
    }
}

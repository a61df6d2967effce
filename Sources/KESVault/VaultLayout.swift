
/// Where KES keeps a key inside a Vault K/V engine (docs/formats.md, "Key store layouts").
///
/// Locations are Vault paths without the `/v1/` prefix, joined like Go's
/// `path.Join`, so an empty prefix disappears and stray slashes collapse.
struct VaultLayout: Sendable, Equatable {
    let engine: String
    let prefix: String
    let version: VaultKeyStoreConfig.KVVersion

    /// The path read, written and checked for existence.
    func secretLocation(_ name: String) -> String {
        switch version {
        case .v1: return Self.join(engine, prefix, name)
        case .v2: return Self.join(engine, "data", prefix, name)
        }
    }

    /// The path deleted; with v2 this removes every version of the secret.
    func deleteLocation(_ name: String) -> String {
        switch version {
        case .v1: return Self.join(engine, prefix, name)
        case .v2: return Self.join(engine, "metadata", prefix, name)
        }
    }

    /// The folder whose entries are the key names.
    var listLocation: String {
        switch version {
        case .v1: return Self.join(engine, prefix)
        case .v2: return Self.join(engine, "metadata", prefix)
        }
    }

    /// Joins path elements, drops empty and `.` segments and resolves `..`,
    /// never producing a leading or trailing slash.
    static func join(_ elements: String...) -> String {
        var segments: [Substring] = []
        for element in elements {
            for segment in element.split(separator: "/", omittingEmptySubsequences: true) {
                switch segment {
                case ".": continue
                case "..": if !segments.isEmpty { segments.removeLast() }
                default: segments.append(segment)
                }
            }
        }
        return segments.joined(separator: "/")
    }

    /// A key name must map to exactly one path segment, or it would address
    /// another secret than the one the caller named.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/")
    }
}

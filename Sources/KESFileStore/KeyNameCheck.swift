import KESKeyStore

/// The file store's own name rule. The API layer is stricter already; this one
/// exists so that no name, whatever its source (config-declared keys, a future
/// caller), can leave the key directory or collide with the store's temp files.
enum KeyNameCheck {
    static let invalidName = KeyStoreError.failed("fs: key name contains invalid character")

    /// True for a non-empty name without a path separator, a dot or a NUL byte.
    /// Rejecting every "." rules out ".", ".." and the store's dot-prefixed temp files.
    static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        return !name.utf8.contains { byte in
            byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: ".") || byte == 0
        }
    }

    static func validate(_ name: String) throws(KeyStoreError) {
        guard isValid(name) else { throw invalidName }
    }
}

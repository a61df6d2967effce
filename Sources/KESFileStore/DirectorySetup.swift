import KESKeyStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes sure the key directory exists before the store serves requests.
enum DirectorySetup {
    /// Creates `path` and any missing parents with mode 0755 (less the umask),
    /// like `mkdir -p`. An existing directory is fine; anything else at a
    /// component of the path is an error.
    static func ensureDirectory(_ path: String) throws(KeyStoreError) {
        do {
            try makeDirectories(path)
        } catch {
            if error.code == ENOTDIR || error.code == EEXIST {
                throw .failed("fs: '\(path)' is not a directory")
            }
            throw .failed("fs: failed to create '\(path)': \(error.reason)")
        }
    }

    private static func makeDirectories(_ path: String) throws(SystemCallError) {
        do throws(SystemCallError) {
            let info = try SystemCalls.status(ofPath: path)
            if info.isDirectory { return }
            throw SystemCallError(code: ENOTDIR)
        } catch where error.code == ENOENT {
            // Fall through: create the parent first, then this one.
        }
        let parent = parentPath(of: path)
        if let parent { try makeDirectories(parent) }
        do throws(SystemCallError) {
            try SystemCalls.mkdir(path, 0o755)
        } catch where error.code == EEXIST {
            // Someone else created it meanwhile; only a directory will do.
            let info = try SystemCalls.status(ofPath: path)
            if !info.isDirectory { throw SystemCallError(code: ENOTDIR) }
        }
    }

    /// The path without its last component, or nil at the root or for a bare name.
    private static func parentPath(of path: String) -> String? {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return nil }
        let parent = trimmed[..<slash]
        return parent.isEmpty ? nil : String(parent)
    }
}

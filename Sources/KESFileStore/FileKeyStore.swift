import KESKeyStore
import Logging
import NIOPosix

/// `keystore.fs`: one file per key in a directory, named after the key, mode 0600,
/// holding the stored-key text exactly.
///
/// Creates and deletes are durable before they return (file and directory are
/// fsynced). Creates are atomic even against other processes sharing the directory.
/// All file I/O runs on a dedicated thread pool, never on Swift's cooperative pool.
public final class FileKeyStore: KeyStore {
    public let kind = "fs"

    /// The key directory, as configured.
    public let path: String

    private let directory: KeyDirectory
    private let threadPool: NIOThreadPool
    private let listing = ListingSnapshot()

    /// Opens the key directory at `path`, creating it and its parents (mode 0755) if missing.
    /// - Throws: `KeyStoreError.failed("fs: '<path>' is not a directory")` when something
    ///   else is in the way, or another `.failed` when the directory cannot be created.
    public convenience init(path: String) throws {
        try self.init(path: path, threadPool: BlockingPool.shared)
    }

    /// Like `init(path:)`, running the blocking I/O on `threadPool`, which the caller
    /// keeps started for the store's lifetime. Temp files that crashed creates left in the
    /// directory are removed, and `logger` hears how many.
    public init(path: String, threadPool: NIOThreadPool, logger: Logger? = nil) throws {
        guard !path.isEmpty else { throw KeyStoreError.failed("fs: no key directory specified") }
        try DirectorySetup.ensureDirectory(path)
        self.path = path
        self.directory = KeyDirectory(path: path)
        self.threadPool = threadPool
        let removed = directory.removeStaleTempFiles()
        if removed > 0 {
            logger?.notice("fs: removed \(removed) temporary file\(removed == 1 ? "" : "s") left by an interrupted create in '\(path)'")
        }
    }

    public func create(_ name: String, value: [UInt8]) async throws {
        try KeyNameCheck.validate(name)
        let directory = self.directory
        defer { listing.invalidate() }
        try await threadPool.runIfActive { try directory.create(name, value: value) }
    }

    public func get(_ name: String) async throws -> [UInt8] {
        try KeyNameCheck.validate(name)
        let directory = self.directory
        return try await threadPool.runIfActive { try directory.get(name) }
    }

    public func delete(_ name: String) async throws {
        try KeyNameCheck.validate(name)
        let directory = self.directory
        defer { listing.invalidate() }
        try await threadPool.runIfActive { try directory.delete(name) }
    }

    public func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        let directory = self.directory
        let listing = self.listing
        return try await threadPool.runIfActive {
            try listing.page(of: directory, prefix: prefix, startingAt: start, limit: limit)
        }
    }

    public func status() async throws {
        let directory = self.directory
        try await threadPool.runIfActive { try directory.status() }
    }
}

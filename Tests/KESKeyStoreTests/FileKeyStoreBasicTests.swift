import Foundation
import KESFileStore
import KESKeyStore
import KESTestSupport
import Testing

@Suite("FileKeyStore basics")
struct FileKeyStoreBasicTests {
    @Test func createGetDeleteRoundTrip() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            #expect(store.kind == "fs")

            try await store.create("my-key", value: bytes("secret-value"))
            #expect(try await store.get("my-key") == bytes("secret-value"))
            #expect(try await store.list(prefix: "", limit: 0) == KeyListPage(names: ["my-key"]))

            try await store.delete("my-key")
            #expect(await keyStoreError { _ = try await store.get("my-key") } == .keyNotFound)
            #expect(await keyStoreError { try await store.delete("my-key") } == .keyNotFound)
            #expect(try await store.list(prefix: "", limit: 0) == KeyListPage(names: []))

            // The name is free again after a delete.
            try await store.create("my-key", value: bytes("second"))
            #expect(try await store.get("my-key") == bytes("second"))
        }
    }

    @Test func createOfExistingNameFailsAndKeepsTheOldValue() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            try await store.create("k", value: bytes("first"))
            #expect(await keyStoreError { try await store.create("k", value: bytes("second")) } == .keyExists)
            #expect(try await store.get("k") == bytes("first"))
            #expect(try tempFiles(in: dir).isEmpty)
        }
    }

    @Test func oneFilePerKeyWithMode0600AndExactContent() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            let value: [UInt8] = [0, 1, 2, 255, 10]  // arbitrary bytes, ending in a newline
            try await store.create("key-1", value: value)
            try await store.create("empty", value: [])

            let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/key-1")
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(attributes[.type] as? FileAttributeType == .typeRegular)
            #expect(Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/key-1"))) == value)
            #expect(try await store.get("empty") == [])
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir)) == ["key-1", "empty"])
        }
    }

    @Test func initCreatesMissingDirectoryWithParents() async throws {
        try await withTemporaryDirectory { dir in
            let nested = dir + "/a/b/keys/"
            let store = try FileKeyStore(path: nested)
            var isDirectory: ObjCBool = false
            #expect(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)
            let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/a/b/keys")
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
            #expect(mode & ~0o755 == 0)  // 0755 less the umask
            try await store.create("k", value: bytes("v"))
            #expect(try await store.get("k") == bytes("v"))
            // Opening an existing directory again is fine.
            _ = try FileKeyStore(path: nested)
        }
    }

    @Test func initFailsWhenPathIsNotADirectory() async throws {
        try await withTemporaryDirectory { dir in
            let file = dir + "/plain-file"
            #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
            #expect(throws: KeyStoreError.failed("fs: '\(file)' is not a directory")) {
                try FileKeyStore(path: file)
            }
            #expect(throws: KeyStoreError.failed("fs: '\(file)/keys' is not a directory")) {
                try FileKeyStore(path: file + "/keys")
            }
        }
    }

    @Test func invalidNamesAreRejected() async throws {
        try await withTemporaryDirectory { dir in
            let keys = dir + "/keys"
            let store = try FileKeyStore(path: keys)
            let names = ["", "a/b", "../escape", "..", ".", ".hidden", "a.b", "a\\b", "/etc/passwd", "a\u{0}b"]
            for name in names {
                #expect(await keyStoreError { try await store.create(name, value: bytes("v")) } == invalidNameError,
                        "create \(name.debugDescription)")
                #expect(await keyStoreError { _ = try await store.get(name) } == invalidNameError,
                        "get \(name.debugDescription)")
                #expect(await keyStoreError { try await store.delete(name) } == invalidNameError,
                        "delete \(name.debugDescription)")
            }
            // Nothing was written anywhere: not in the key directory, not beside it.
            #expect(try FileManager.default.contentsOfDirectory(atPath: keys).isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["keys"])
        }
    }

    @Test func listAppliesPrefixAndPagination() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            for name in ["b-2", "a-1", "b-1", "c", "b-3", "a-2"] {
                try await store.create(name, value: bytes(name))
            }
            #expect(try await store.list(prefix: "", limit: 0).names == ["a-1", "a-2", "b-1", "b-2", "b-3", "c"])
            #expect(try await store.list(prefix: "b-", limit: 0) == KeyListPage(names: ["b-1", "b-2", "b-3"]))
            #expect(try await store.list(prefix: "b-", limit: 2) == KeyListPage(names: ["b-1", "b-2"], continueAt: "b-3"))
            #expect(try await store.list(prefix: "b-3", limit: 2) == KeyListPage(names: ["b-3"]))
            #expect(try await store.list(prefix: "", limit: 4) == KeyListPage(names: ["a-1", "a-2", "b-1", "b-2"], continueAt: "b-3"))
            #expect(try await store.list(prefix: "zzz", limit: 4) == KeyListPage(names: []))
        }
    }

    @Test func statusReportsAMissingDirectoryAsUnreachable() async throws {
        try await withTemporaryDirectory { dir in
            let keys = dir + "/keys"
            let store = try FileKeyStore(path: keys)
            try await store.status()
            try FileManager.default.removeItem(atPath: keys)
            #expect(await keyStoreError { try await store.status() } == .unreachable("fs: No such file or directory"))
            // A file where the directory was is no better.
            #expect(FileManager.default.createFile(atPath: keys, contents: nil))
            #expect(await keyStoreError { try await store.status() } == .unreachable("fs: '\(keys)' is not a directory"))
        }
    }
}

/// Listing a large directory page by page reads it once and serves the following pages from a
/// sorted snapshot; these pin down what the snapshot must never change.
@Suite("FileKeyStore list paging")
struct FileKeyStoreListPagingTests {
    static func walk(_ store: FileKeyStore, prefix: String = "", limit: Int, between: (Int) async throws -> Void = { _ in }) async throws -> [String] {
        var seen: [String] = []
        var start = ""
        var pages = 0
        repeat {
            let page = try await store.list(prefix: prefix, startingAt: start, limit: limit)
            seen += page.names
            start = page.continueAt
            pages += 1
            try await between(pages)
        } while !start.isEmpty
        return seen
    }

    @Test func everyNameOnceAcrossPages() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            let names = (0..<250).map { "key-\($0)" }
            for name in names { try await store.create(name, value: bytes(name)) }
            #expect(try await Self.walk(store, limit: 10) == names.sorted())
            #expect(try await Self.walk(store, prefix: "key-1", limit: 7) == names.filter { $0.hasPrefix("key-1") }.sorted())
            // kes migrate asks for everything in one page.
            #expect(try await store.list(prefix: "", limit: .max) == KeyListPage(names: names.sorted()))
        }
    }

    /// A key created or deleted through the store between pages shows in (or leaves) the pages
    /// after it, and a list from the start always sees the directory as it is.
    @Test func changesThroughTheStoreReachTheNextPage() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            for index in 0..<30 { try await store.create("key-\(index + 10)", value: bytes("v")) }
            let seen = try await Self.walk(store, limit: 5) { pages in
                if pages == 1 {
                    try await store.create("key-99", value: bytes("v"))
                    try await store.delete("key-38")
                }
            }
            #expect(seen.contains("key-99"))
            #expect(!seen.contains("key-38"))
            #expect(seen.count == 30)
        }
    }

    /// A key another process writes straight into the directory is listed by the next list
    /// from the start, however recent the snapshot.
    @Test func aFreshListSeesKeysWrittenBehindTheStore() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            for index in 0..<20 { try await store.create("key-\(index + 10)", value: bytes("v")) }
            _ = try await store.list(prefix: "", startingAt: "", limit: 5)
            try "v".write(toFile: dir + "/key-00", atomically: false, encoding: .utf8)
            #expect(try await store.list(prefix: "", startingAt: "", limit: 5).names.first == "key-00")
            #expect(try await Self.walk(store, limit: 5).count == 21)
        }
    }
}

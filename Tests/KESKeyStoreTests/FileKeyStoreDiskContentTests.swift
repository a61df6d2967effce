import Foundation
import KESFileStore
import KESKeyStore
import KESTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store must cope with whatever an operator or a crash left in the directory.
@Suite("FileKeyStore with odd directory content")
struct FileKeyStoreDiskContentTests {
    @Test func strayEntriesAreNotListedAndDoNotCrash() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            try await store.create("real-key", value: bytes("v"))

            let files = FileManager.default
            try files.createDirectory(atPath: dir + "/subdir", withIntermediateDirectories: false)
            try files.createDirectory(atPath: dir + "/.hidden-dir", withIntermediateDirectories: false)
            #expect(files.createFile(atPath: dir + "/.dotfile", contents: Data("x".utf8)))
            #expect(files.createFile(atPath: dir + "/notes.txt", contents: Data("x".utf8)))
            #expect(files.createFile(atPath: dir + "/.kes-tmp-123", contents: Data("x".utf8)))
            #expect(mkfifo(dir + "/pipe", 0o600) == 0)
            try files.createSymbolicLink(atPath: dir + "/alias", withDestinationPath: dir + "/real-key")
            try files.createSymbolicLink(atPath: dir + "/dangling", withDestinationPath: dir + "/nowhere")

            #expect(try await store.list(prefix: "", limit: 0).names == ["alias", "real-key"])

            // A directory named like a key is reported, not crashed on.
            let subdirRead = await keyStoreError { _ = try await store.get("subdir") }
            #expect(subdirRead == .failed("fs: failed to read 'subdir': not a regular file"))
            #expect(await keyStoreError { try await store.create("subdir", value: bytes("v")) } == .keyExists)
            guard case .failed = await keyStoreError({ try await store.delete("subdir") }) else {
                Issue.record("deleting a directory must fail")
                return
            }
            // Opening a FIFO must neither hang nor succeed.
            #expect(await keyStoreError { _ = try await store.get("pipe") } == .failed("fs: failed to read 'pipe': not a regular file"))
            #expect(await keyStoreError { _ = try await store.get("dangling") } == .keyNotFound)
            #expect(try await store.get("alias") == bytes("v"))
        }
    }

    @Test func valuesOverOneMebibyteAreRefused() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            let limit = 1 << 20
            #expect(FileManager.default.createFile(atPath: dir + "/huge", contents: Data(count: limit + 1)))
            #expect(FileManager.default.createFile(atPath: dir + "/largest", contents: Data(repeating: 7, count: limit)))

            #expect(await keyStoreError { _ = try await store.get("huge") } == .failed("fs: failed to read 'huge': file is larger than 1 MiB"))
            #expect(try await store.get("largest") == [UInt8](repeating: 7, count: limit))
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root reads every file"))
    func unreadableFileFailsWithReason() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            try await store.create("locked", value: bytes("v"))
            #expect(chmod(dir + "/locked", 0) == 0)
            #expect(await keyStoreError { _ = try await store.get("locked") } == .failed("fs: failed to read 'locked': Permission denied"))
        }
    }
}

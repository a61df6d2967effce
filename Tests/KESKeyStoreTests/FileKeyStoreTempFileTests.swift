import Foundation
import KESFileStore
import KESKeyStore
import KESTestSupport
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A create writes `.kes-tmp-*`, fsyncs it and links it into place; a crash in between leaves
/// the temp file behind. Opening the store removes such files, however young.
@Suite struct FileKeyStoreTempFileTests {
    @Test func leftoverTempFilesAreRemovedOnOpenAndKeysStay() async throws {
        try await withTemporaryDirectory { dir in
            let first = try FileKeyStore(path: dir)
            try await first.create("real-key", value: bytes("value"))
            try await first.create("other", value: bytes("other value"))
            // What a crash between write and link leaves: seconds old, nobody holding it.
            #expect(FileManager.default.createFile(atPath: dir + "/.kes-tmp-5eed", contents: Data("half".utf8)))
            #expect(FileManager.default.createFile(atPath: dir + "/.kes-tmp-0", contents: Data()))

            let log = LogRecorder()
            let reopened = try FileKeyStore(path: dir, threadPool: NIOThreadPool.singleton, logger: log.logger)
            #expect(try tempFiles(in: dir) == [])
            #expect(log.messages.contains("fs: removed 2 temporary files left by an interrupted create in '\(dir)'"))
            #expect(try await reopened.get("real-key") == bytes("value"))
            #expect(try await reopened.get("other") == bytes("other value"))
            #expect(try await reopened.list(prefix: "", limit: 0).names == ["other", "real-key"])
        }
    }

    /// Only files named like temp files go: dot-files, and keys of any name, stay.
    @Test func onlyTempFilesAreTouched() async throws {
        try await withTemporaryDirectory { dir in
            #expect(FileManager.default.createFile(atPath: dir + "/kes-tmp-1", contents: Data("k".utf8)))
            #expect(FileManager.default.createFile(atPath: dir + "/.kes-tm-1", contents: Data("x".utf8)))
            try FileManager.default.createDirectory(atPath: dir + "/.kes-tmp-dir", withIntermediateDirectories: false)
            #expect(FileManager.default.createFile(atPath: dir + "/.kes-tmp-dir/inside", contents: Data("x".utf8)))
            _ = try FileKeyStore(path: dir)
            let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(left == [".kes-tm-1", ".kes-tmp-dir", "kes-tmp-1"])
        }
    }

    /// A create running in another process holds its temp file's lock; that file must stay.
    @Test func aTempFileWhoseWriterIsAliveStays() async throws {
        try await withTemporaryDirectory { dir in
            let busy = dir + "/.kes-tmp-busy"
            let fd = open(busy, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            #expect(fd >= 0)
            defer { close(fd) }
            // flock(2) locks belong to the open file description, so a second open here
            // contends with this one just as another process would.
            #expect(flock(fd, LOCK_EX) == 0)
            #expect(FileManager.default.createFile(atPath: dir + "/.kes-tmp-dead", contents: Data("x".utf8)))

            _ = try FileKeyStore(path: dir)
            #expect(try tempFiles(in: dir) == [".kes-tmp-busy"])
        }
    }

    @Test func aCleanDirectoryLogsNothing() async throws {
        try await withTemporaryDirectory { dir in
            let log = LogRecorder()
            let store = try FileKeyStore(path: dir, threadPool: NIOThreadPool.singleton, logger: log.logger)
            try await store.create("k", value: bytes("v"))
            #expect(log.messages.isEmpty)
            #expect(try tempFiles(in: dir) == [])
        }
    }
}

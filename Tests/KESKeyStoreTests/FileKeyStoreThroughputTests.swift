import Foundation
import KESFileStore
import KESKeyStore
import NIOPosix
import Testing

/// Measures whether the thread pool lets fsync-bound creates overlap instead of
/// queueing behind each other. Timing-dependent, so only on request:
/// `KES_FS_BENCH=1 swift test --filter FileKeyStoreThroughput`.
@Suite("FileKeyStore throughput", .serialized, .enabled(if: ProcessInfo.processInfo.environment["KES_FS_BENCH"] != nil))
struct FileKeyStoreThroughputTests {
    @Test(arguments: [1, 2, 16, 64])
    func concurrentCreates(threads: Int) async throws {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir, threadPool: pool)
            let count = 400
            let elapsed = try await ContinuousClock().measure {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<count {
                        group.addTask { try await store.create("key-\(i)", value: bytes(String(repeating: "v", count: 200))) }
                    }
                    try await group.waitForAll()
                }
            }
            print("fs bench: \(threads) threads, \(count) concurrent creates: \(elapsed)")
        }
        try await pool.shutdownGracefully()
    }

    @Test func sharedPoolCreates() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            let count = 400
            let elapsed = try await ContinuousClock().measure {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<count {
                        group.addTask { try await store.create("key-\(i)", value: bytes("value")) }
                    }
                    try await group.waitForAll()
                }
            }
            print("fs bench: shared pool, \(count) concurrent creates: \(elapsed)")
            let serial = try await ContinuousClock().measure {
                for i in 0..<50 { try await store.create("serial-\(i)", value: bytes("value")) }
            }
            print("fs bench: shared pool, 50 sequential creates: \(serial)")
        }
    }
}

import Dispatch
import Foundation
import Synchronization
import Testing
@testable import KESCore

@Suite struct RandomPoolTests {
    @Test func concurrentTasksNeverShareBytes() async {
        let pool = RandomPool()
        let outputs = await withTaskGroup(of: [[UInt8]].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<1_000).map { _ in pool.bytes(count: 32) } }
            }
            var all: [[UInt8]] = []
            for await chunk in group { all += chunk }
            return all
        }
        #expect(outputs.count == 8_000)
        #expect(Set(outputs).count == outputs.count)
    }

    @Test func concurrentThreadsNeverShareBytes() {
        let pool = RandomPool()
        let outputs = Mutex<[[UInt8]]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let mine = (0..<1_000).map { _ in pool.bytes(count: 32) }
            outputs.withLock { $0 += mine }
        }
        let all = outputs.withLock { $0 }
        #expect(all.count == 8_000)
        #expect(Set(all).count == all.count)
    }

    /// Requests that do not divide the buffer make every refill start in the middle of one.
    @Test func refillsAcrossTheBufferBoundary() {
        let pool = RandomPool()
        var seen: Set<[UInt8]> = []
        var total = 0
        for count in [60, 1, 1_000, 59, 37, 1_024, 3] {
            for _ in 0..<(3 * RandomPool.size / count + 2) {
                let output = pool.bytes(count: count)
                #expect(output.count == count)
                if count >= 32 {
                    #expect(seen.insert(output).inserted)
                    #expect(output.contains { $0 != 0 })
                }
                total += count
            }
        }
        #expect(total > 10 * RandomPool.size)
    }

    @Test func outputsAreNotAllZero() {
        let pool = RandomPool()
        for count in [16, 32, 60, 64] {
            for _ in 0..<200 {
                #expect(pool.bytes(count: count).contains { $0 != 0 }, "\(count) bytes")
            }
        }
        #expect(pool.bytes(count: 0).isEmpty)
    }

    @Test(arguments: [RandomPool.size / 4 + 1, RandomPool.size, 3 * RandomPool.size + 5, 1 << 20])
    func largeRequestsBypassTheBuffer(count: Int) {
        let pool = RandomPool()
        let first = pool.bytes(count: count)
        let second = pool.bytes(count: count)
        #expect(first.count == count && second.count == count)
        #expect(first != second)
        // Each byte value turns up about count/256 times; all-zero or constant output would not.
        #expect(Set(first).count > min(200, count / 8))
    }

    /// The bytes come from getrandom(2); a descriptor on the device node could be served by
    /// whatever is mounted over /dev/urandom.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd")))
    func keepsNoDeviceDescriptorOpen() throws {
        let pool = RandomPool()
        for _ in 0..<(2 * RandomPool.size / 60) { _ = pool.bytes(count: 60) }
        _ = pool.bytes(count: RandomPool.size)
        _ = SecretKey.random(.aes256)
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")
        let targets = descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
        #expect(!targets.contains("/dev/urandom"))
        #expect(!targets.contains("/dev/random"))
    }
}

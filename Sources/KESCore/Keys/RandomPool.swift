import CKESRandom
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kernel randomness fetched 4 KiB at a time.
///
/// Every generate request needs 60 random bytes; asking the kernel for each of them
/// cost a system call per request (measured at about 4% of a generate's CPU). The bytes
/// are the kernel CSPRNG's own, handed out once each and wiped as they are taken.
///
/// The bytes come from getrandom(2), not from a `/dev/urandom` descriptor: a device node
/// can be replaced (`/dev/zero` mounted over it yields all-zero keys), and reading it does
/// not wait for the kernel generator to be seeded at early boot. If the kernel cannot
/// supply randomness the process stops: no key may come from anything else.
final class RandomPool: Sendable {
    static let shared = RandomPool()
    static let size = 4096

    private struct Buffer: ~Copyable {
        var bytes = [UInt8](repeating: 0, count: RandomPool.size)
        var next = RandomPool.size
    }

    private let buffer = Mutex(Buffer())

    func bytes(count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        if count > Self.size / 4 { return Self.fromKernel(count: count) }
        return buffer.withLock { buffer in
            if buffer.next + count > Self.size {
                Self.fill(&buffer.bytes)
                buffer.next = 0
            }
            let range = buffer.next..<(buffer.next + count)
            let taken = Array(buffer.bytes[range])
            for index in range { buffer.bytes[index] = 0 }
            buffer.next += count
            return taken
        }
    }

    private static func fromKernel(count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        fill(&bytes)
        return bytes
    }

    private static func fill(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            var filled = 0
            while filled < raw.count {
                let result = kernelRandom(base + filled, raw.count - filled)
                if result > 0 {
                    filled += result
                } else if result < 0 && errno == EINTR {
                    continue
                } else {
                    let reason = result < 0 ? String(cString: strerror(errno)) : "no bytes returned"
                    fatalError("the kernel random number generator failed (\(reason)); refusing to generate keys without it")
                }
            }
        }
    }

    /// Up to `count` random bytes at `pointer`; the count written, or -1 with `errno` set.
    private static func kernelRandom(_ pointer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        // Flags 0: block until the kernel generator is seeded, then never block again.
        return getrandom(pointer, count, 0)
        #elseif canImport(Darwin)
        // getentropy(2) takes at most 256 bytes a call.
        let chunk = min(count, 256)
        return getentropy(pointer, chunk) == 0 ? chunk : -1
        #else
        #error("RandomPool needs getrandom(2) or getentropy(2)")
        #endif
    }
}

import Crypto
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kernel randomness (`/dev/urandom`) fetched 4 KiB at a time.
///
/// Every generate request needs 60 random bytes; asking the kernel for each of them
/// cost a system call per request (measured at about 4% of a generate's CPU). The bytes
/// are the kernel CSPRNG's own, handed out once each and wiped as they are taken.
final class RandomPool: Sendable {
    static let shared = RandomPool()
    private static let size = 4096

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

    /// The kernel's CSPRNG, opened once; nil if it cannot be opened.
    private static let urandom: Int32? = {
        #if canImport(Glibc) || canImport(Darwin)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
        #else
        return nil
        #endif
    }()

    private static func fill(_ bytes: inout [UInt8]) {
        #if canImport(Glibc) || canImport(Darwin)
        if let fd = urandom {
            var filled = 0
            bytes.withUnsafeMutableBytes { raw in
                while filled < raw.count {
                    let result = read(fd, raw.baseAddress! + filled, raw.count - filled)
                    if result > 0 {
                        filled += result
                    } else if result < 0 && errno == EINTR {
                        continue
                    } else {
                        break
                    }
                }
            }
            if filled == bytes.count { return }
        }
        #endif
        // If the device is unavailable: swift-crypto's generator.
        bytes = SymmetricKey(size: SymmetricKeySize(bitCount: bytes.count * 8)).withUnsafeBytes { Array($0) }
    }
}

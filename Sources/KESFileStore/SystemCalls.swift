#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: the `errno` it left behind.
struct SystemCallError: Error, Equatable {
    let code: Int32

    /// The C library's text for the error, e.g. "No such file or directory".
    var reason: String { String(cString: strerror(code)) }

    static func last() -> SystemCallError { SystemCallError(code: errno) }
}

typealias FileStatus = stat

/// Thin, EINTR-safe wrappers over the blocking POSIX calls the store needs.
/// Every function here blocks; callers run them on the store's thread pool.
enum SystemCalls {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(SystemCallError) -> Int32 {
        while true {
            let fd = path.withCString { cPath in
                #if canImport(Darwin)
                Darwin.open(cPath, flags, mode)
                #elseif canImport(Glibc)
                Glibc.open(cPath, flags, mode)
                #else
                Musl.open(cPath, flags, mode)
                #endif
            }
            if fd >= 0 { return fd }
            if errno != EINTR { throw .last() }
        }
    }

    /// Closes `fd`. Not retried on EINTR: on Linux the descriptor is gone either way.
    static func close(_ fd: Int32) throws(SystemCallError) {
        #if canImport(Darwin)
        let rc = Darwin.close(fd)
        #elseif canImport(Glibc)
        let rc = Glibc.close(fd)
        #else
        let rc = Musl.close(fd)
        #endif
        if rc != 0 && errno != EINTR { throw .last() }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SystemCallError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + written, buffer.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .last()
            }
            written += n
        }
    }

    /// Reads until end of file or until `limit` bytes were read, whichever comes first.
    /// The buffer starts at `expectedSize + 1` (so EOF is seen without growing) and
    /// doubles only if the file turns out larger, so small reads stay small.
    static func read(_ fd: Int32, upTo limit: Int, expectedSize: Int) throws(SystemCallError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: min(limit, max(0, expectedSize) + 1))
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count < limit else { break }
                bytes.append(contentsOf: repeatElement(0, count: min(limit, bytes.count * 2) - bytes.count))
            }
            let n = bytes.withUnsafeMutableBytes { buffer in
                #if canImport(Darwin)
                Darwin.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                #elseif canImport(Glibc)
                Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                #else
                Musl.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
                #endif
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .last()
            }
            if n == 0 { break }
            filled += n
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    static func fsync(_ fd: Int32) throws(SystemCallError) {
        while true {
            #if canImport(Darwin)
            let rc = Darwin.fsync(fd)
            #elseif canImport(Glibc)
            let rc = Glibc.fsync(fd)
            #else
            let rc = Musl.fsync(fd)
            #endif
            if rc == 0 { return }
            if errno != EINTR { throw .last() }
        }
    }

    static func fchmod(_ fd: Int32, _ mode: mode_t) throws(SystemCallError) {
        #if canImport(Darwin)
        let rc = Darwin.fchmod(fd, mode)
        #elseif canImport(Glibc)
        let rc = Glibc.fchmod(fd, mode)
        #else
        let rc = Musl.fchmod(fd, mode)
        #endif
        if rc != 0 { throw .last() }
    }

    static func status(ofDescriptor fd: Int32) throws(SystemCallError) -> FileStatus {
        var info = FileStatus()
        #if canImport(Darwin)
        let rc = Darwin.fstat(fd, &info)
        #elseif canImport(Glibc)
        let rc = Glibc.fstat(fd, &info)
        #else
        let rc = Musl.fstat(fd, &info)
        #endif
        if rc != 0 { throw .last() }
        return info
    }

    /// `stat(2)`, following symbolic links.
    static func status(ofPath path: String) throws(SystemCallError) -> FileStatus {
        var info = FileStatus()
        let rc = path.withCString { cPath in
            stat(cPath, &info)  // the function; the qualified name would mean the struct
        }
        if rc != 0 { throw .last() }
        return info
    }

    static func link(_ existing: String, _ new: String) throws(SystemCallError) {
        let rc = existing.withCString { from in
            new.withCString { to in
                #if canImport(Darwin)
                Darwin.link(from, to)
                #elseif canImport(Glibc)
                Glibc.link(from, to)
                #else
                Musl.link(from, to)
                #endif
            }
        }
        if rc != 0 { throw .last() }
    }

    static func unlink(_ path: String) throws(SystemCallError) {
        let rc = path.withCString { cPath in
            #if canImport(Darwin)
            Darwin.unlink(cPath)
            #elseif canImport(Glibc)
            Glibc.unlink(cPath)
            #else
            Musl.unlink(cPath)
            #endif
        }
        if rc != 0 { throw .last() }
    }

    static func mkdir(_ path: String, _ mode: mode_t) throws(SystemCallError) {
        let rc = path.withCString { cPath in
            #if canImport(Darwin)
            Darwin.mkdir(cPath, mode)
            #elseif canImport(Glibc)
            Glibc.mkdir(cPath, mode)
            #else
            Musl.mkdir(cPath, mode)
            #endif
        }
        if rc != 0 { throw .last() }
    }

    /// Flushes a directory's entries (new links, removed names) to stable storage.
    static func fsyncDirectory(_ path: String) throws(SystemCallError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { try? close(fd) }
        try fsync(fd)
    }
}

extension FileStatus {
    var isRegularFile: Bool { (st_mode & S_IFMT) == S_IFREG }
    var isDirectory: Bool { (st_mode & S_IFMT) == S_IFDIR }
}

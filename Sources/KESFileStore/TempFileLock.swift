#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a create's temp file tells the store's start-up sweep that its writer is alive.
///
/// A create holds an exclusive flock(2) on its temp file from just after creating it until the
/// file is linked into place. The kernel drops the lock when the writer dies, so a temp file
/// whose lock can be taken belongs to no running create and is debris from a crash.
enum TempFileLock {
    /// Blocks until `fd`'s exclusive lock is held.
    static func acquire(_ fd: Int32) throws(SystemCallError) {
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw .last() }
        }
    }

    /// Takes the lock only if no one holds it.
    static func tryAcquire(_ fd: Int32) -> Bool {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno != EINTR { return false }
        }
        return true
    }
}

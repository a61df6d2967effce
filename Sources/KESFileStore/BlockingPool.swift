import NIOPosix

/// Threads that run the store's blocking system calls, so that `fsync` never
/// stalls Swift's cooperative pool (which has one thread per core).
enum BlockingPool {
    /// Sized for I/O wait, not CPU: concurrent `fsync`s let the file system batch
    /// journal commits, so more waiting threads mean higher create throughput.
    /// The pool lives for the whole process, like NIO's own singletons.
    static let shared: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()
}

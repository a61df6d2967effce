import ArgumentParser
import NIOCore
import NIOPosix

@main
enum Entry {
    static func main() async {
        // Running Swift concurrency on NIO's event loops saves a thread hop per request.
        // It must happen before any task starts.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await KESCommand.main()
    }
}

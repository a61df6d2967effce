import ArgumentParser
import NIOCore
import NIOPosix

// Running Swift concurrency on NIO's event loops saves a thread hop per request.
// It must happen before any task starts.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

do {
    var command = try KESCommand.parseAsRoot()
    if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
    } else {
        try command.run()
    }
} catch {
    KESCommand.exit(withError: error)
}

import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

@main
enum Entry {
    static func main() async {
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
            // KES's CLI exits 2 on usage errors; ArgumentParser's default would be 64.
            if KESCommand.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((KESCommand.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            KESCommand.exit(withError: error)
        }
    }
}

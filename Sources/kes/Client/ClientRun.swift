import ArgumentParser
import Foundation
import KESClient

/// A usage problem found after parsing (environment, argument values): exit code 2.
struct UsageFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A failure with a message that names what failed: exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum ClientRun {
    /// Runs a client command: opens the client, runs `body`, shuts down, and turns errors
    /// into a message on stderr and exit code 1 (server/network) or 2 (usage).
    static func run(_ options: ClientOptions, _ body: (KESClient) async throws -> Void) async throws {
        let client: KESClient
        do {
            client = try options.makeClient()
        } catch {
            throw fail(error, options: options)
        }
        do {
            try await body(client)
        } catch {
            try? await client.shutdown()
            throw fail(error, options: options)
        }
        try? await client.shutdown()
    }

    /// Prints `error` and returns the exit code to throw.
    static func fail(_ error: any Error, options: ClientOptions? = nil, context: String? = nil) -> ExitCode {
        if let exit = error as? ExitCode { return exit }
        let style = Style(mode: options?.color ?? .auto, descriptor: STDERR_FILENO)
        let text = context.map { "\($0): \(error)" } ?? "\(error)"
        FileHandle.standardError.write(Data("\(style.red("Error:")) \(text)\n".utf8))
        return error is UsageFailure ? ExitCode(2) : ExitCode(1)
    }

    /// Runs `body` and prefixes any error with what was being done, e.g. "failed to create key 'x'".
    static func doing<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KESError {
            throw CommandFailure("\(what): \(error.message)")
        }
    }
}

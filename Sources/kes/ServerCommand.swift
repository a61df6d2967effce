import ArgumentParser
import Foundation
import KESBootstrap
import KESConfig
import KESCore
import KESKeyStore
import KESServer
import Logging
import ServiceLifecycle
import UnixSignals

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Start a KES server.",
        discussion: """
            With --config, serves the key store of a KES config file. With --dev, serves an in-memory
            key store on 127.0.0.1:7373 with a fresh certificate and prints the admin API key.
            SIGHUP reloads the config file; SIGTERM and SIGINT shut down gracefully.
            """
    )

    @Option(name: .long, help: "Path to the KES server config file.")
    var config: String?

    @Option(name: .long, help: "The address to listen on, e.g. 0.0.0.0:7373 (overrides the config).")
    var addr: String?

    @Flag(name: .long, help: "Start a development server: ephemeral certificate, in-memory keys.")
    var dev = false

    func validate() throws {
        if dev == (config != nil) {
            throw ValidationError("specify exactly one of --config FILE or --dev")
        }
    }

    func run() async throws {
        if dev {
            try await DevServer.run(address: addr ?? "127.0.0.1:7373")
            return
        }
        guard let path = config else { return }
        let configuration: ServerConfiguration
        do {
            let file = try ServerConfig.load(path: path)
            let bootstrapLogger = Logger(label: "kes", factory: { _ in StreamLogHandler.standardError(label: "kes") })
            let store = try await KESBootstrap.connectKeyStore(file.keystore, logger: bootstrapLogger)
            do {
                configuration = try KESBootstrap.serverConfiguration(file, keyStore: store, address: addr)
            } catch {
                await store.close()
                throw error
            }
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        try await Self.serve(configuration, configPath: path) { port in
            "swift-kes \(KESVersion.version) listening on \(configuration.address) (port \(port))"
        }
    }

    /// Starts the server and runs until SIGTERM/SIGINT, reloading on SIGHUP.
    static func serve(_ configuration: ServerConfiguration, configPath: String?, banner: ((Int) -> String)?) async throws {
        let server: KESServer
        do {
            server = try KESServer(configuration: configuration)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let reloader = ConfigReloader(server: server, path: configPath)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server), .init(service: reloader)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: server.logger
        ))
        // Bound before the service group runs: a port that is taken, or an address that cannot
        // be bound, ends the command at once with the reason instead of inside the group.
        do {
            try await server.start()
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            await configuration.keyStore.close()
            throw ExitCode(1)
        }
        if let banner {
            print(banner(server.localPort ?? 0))
            fflush(nil)
        }
        try await group.run()
    }
}

/// Re-reads the config file on SIGHUP. A broken file is logged and the running config stays.
struct ConfigReloader: Service {
    let server: KESServer
    let path: String?

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let path else { continue }
            do {
                try KESBootstrap.reload(server, from: try ServerConfig.load(path: path))
                try await server.createDeclaredKeys()
            } catch {
                server.errorLog.log("config: reload failed, keeping the running config: \(error)")
            }
        }
    }
}

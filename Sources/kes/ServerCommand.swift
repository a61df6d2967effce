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

    /// KES's deprecated flags, still on the command lines of older deployments (the MinIO
    /// Operator runs `kes server --config=FILE --auth=off`). Each overrides its config field.
    @Option(name: .long, help: "Deprecated: on or off, overrides tls.auth.")
    var auth: DeprecatedServerFlags.OnOff?

    @Option(name: .long, help: "Deprecated: the server's private key file, overrides tls.key.")
    var key: String?

    @Option(name: .long, help: "Deprecated: the server's certificate file, overrides tls.cert.")
    var cert: String?

    var deprecatedFlags: DeprecatedServerFlags { DeprecatedServerFlags(auth: auth?.isOn, key: key, cert: cert) }

    func validate() throws {
        if dev == (config != nil) {
            throw ValidationError("specify exactly one of --config FILE or --dev")
        }
        if dev && !deprecatedFlags.isEmpty {
            throw ValidationError("--auth, --key and --cert apply to --config, not to --dev")
        }
        if let addr, let problem = ListenAddress.problem(addr) {
            throw ValidationError("--addr: \(problem)")
        }
    }

    func run() async throws {
        if dev {
            try await DevServer.run(address: addr ?? "127.0.0.1:7373")
            return
        }
        guard let path = config else { return }
        let overrides = deprecatedFlags
        overrides.warn()
        let configuration: ServerConfiguration
        do {
            var file = try ServerConfig.load(path: path)
            overrides.apply(to: &file)
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
        try await Self.serve(configuration, configPath: path, overrides: overrides) { port in
            "swift-kes \(KESVersion.version) listening on \(configuration.address) (port \(port))"
        }
    }

    /// Starts the server and runs until SIGTERM/SIGINT, reloading on SIGHUP.
    static func serve(
        _ configuration: ServerConfiguration, configPath: String?, overrides: DeprecatedServerFlags = DeprecatedServerFlags(),
        banner: ((Int) -> String)?
    ) async throws {
        FileDescriptorLimit.raiseToHardLimit()
        let server: KESServer
        do {
            server = try KESServer(configuration: configuration)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let reloader = ConfigReloader(server: server, path: configPath, overrides: overrides)
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
    /// Applied to every reloaded file too, so a reload keeps what the command line set.
    var overrides = DeprecatedServerFlags()

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let path else { continue }
            do {
                var file = try ServerConfig.load(path: path)
                overrides.apply(to: &file)
                try KESBootstrap.reload(server, from: file)
                try await server.createDeclaredKeys()
            } catch {
                server.errorLog.log("config: reload failed, keeping the running config: \(error)")
            }
        }
    }
}

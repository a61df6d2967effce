import Foundation
import KESBootstrap
import KESConfig
import KESCore
import KESKeyStore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reference builds of MinIO KES, the Go server swift-kes replaces, for interop tests: the
/// executables `kes-2023` (release 2023-10-03) and `kes-2025` (release 2025-03-12) in
/// `$KES_REFERENCE_DIR`. Tests that need them skip when they are missing (as in CI).
public enum ReferenceKES {
    public enum Release: String, Sendable, CaseIterable, CustomStringConvertible {
        case v2023 = "kes-2023"
        case v2025 = "kes-2025"

        public var description: String { rawValue }
    }

    /// `$KES_REFERENCE_DIR`, else the default folder beside the package root if that exists.
    public static let directory: String? = {
        if let directory = ProcessInfo.processInfo.environment["KES_REFERENCE_DIR"], !directory.isEmpty {
            return directory
        }
        let fallback = URL(fileURLWithPath: BackendLauncher.backendsDirectory)
            .deletingLastPathComponent()  // package root
            .deletingLastPathComponent()
            .appendingPathComponent("shared/anchors").path
        return FileManager.default.fileExists(atPath: fallback) ? fallback : nil
    }()

    /// The executable of `release`, nil when there is none.
    public static func binary(_ release: Release) -> String? {
        guard let directory else { return nil }
        let path = directory + "/" + release.rawValue
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    public static func isAvailable(_ releases: [Release]) -> Bool {
        releases.allSatisfy { binary($0) != nil }
    }

    /// The key store a `keystore:` section of a KES config file describes, connected the way
    /// `kes server --config` connects it: swift-kes's side of a store shared with a reference KES.
    public static func swiftKESKeyStore(configFile: String) async throws -> any KeyStore {
        let section = try ServerConfig.loadKeyStore(path: configFile, environment: [:])
        return try await KESBootstrap.connectKeyStore(section, logger: LogRecorder().logger)
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips a test unless the reference KES builds it names are in `$KES_REFERENCE_DIR`.
    public static func requiresReferenceKES(_ releases: ReferenceKES.Release...) -> Self {
        .enabled(
            if: ReferenceKES.isAvailable(releases),
            "no reference KES build \(releases.map(\.rawValue).joined(separator: ", ")) in $KES_REFERENCE_DIR")
    }
}

/// A reference KES server as a child process: its own config file, a fresh server certificate,
/// `127.0.0.1` on a free port, ready once `/version` answers 200 to the admin identity.
public final class ReferenceKESServer: @unchecked Sendable {
    public let release: ReferenceKES.Release
    public let port: Int
    /// The config file the server was started with; its `keystore:` section can be handed to
    /// `ReferenceKES.swiftKESKeyStore(configFile:)`.
    public let configFile: String
    public let admin: TestIdentity
    private let process: Process
    private let stderrPath: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    private init(
        release: ReferenceKES.Release, port: Int, configFile: String, admin: TestIdentity, process: Process,
        stderrPath: String
    ) {
        self.release = release
        self.port = port
        self.configFile = configFile
        self.admin = admin
        self.process = process
        self.stderrPath = stderrPath
    }

    /// The config file a reference KES is started with: `keystore` is the YAML of the
    /// `keystore:` section's body, indented by two spaces (e.g. `  fs:\n    path: /tmp/keys`).
    public static func config(admin: TestIdentity, tlsDirectory: String, keys: [String], keystore: String) -> String {
        var text = """
            admin:
              identity: \(admin.identity.rawValue)
            tls:
              key: \(tlsDirectory)/server.key
              cert: \(tlsDirectory)/server.crt

            """
        if !keys.isEmpty {
            text += "keys:\n" + keys.map { "  - name: \($0)\n" }.joined()
        }
        return text + "keystore:\n" + keystore + "\n"
    }

    /// Writes `directory/<release>.yaml` and starts the release on it; `label` names the log files.
    /// - Parameters:
    ///   - keys: the config's `keys:` (KES 2023 creates them at start-up).
    ///   - keystore: the `keystore:` section's body, see `config(admin:tlsDirectory:keys:keystore:)`.
    public static func start(
        _ release: ReferenceKES.Release, directory: String, admin: TestIdentity, keys: [String] = [],
        keystore: String, label: String? = nil, timeout: Duration = .seconds(20)
    ) async throws -> ReferenceKESServer {
        guard let binary = ReferenceKES.binary(release) else {
            throw Failure(description: "no reference KES build \(release)")
        }
        let label = label ?? release.rawValue
        let tlsDirectory = directory + "/\(label)-tls"
        try FileManager.default.createDirectory(atPath: tlsDirectory, withIntermediateDirectories: true)
        let certificate = try CertificateMinter.selfSigned(
            keyType: .p256, commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"],
            validity: .seconds(3600))
        try certificate.certificatePEM.write(toFile: tlsDirectory + "/server.crt", atomically: true, encoding: .utf8)
        try certificate.privateKeyPEM.write(toFile: tlsDirectory + "/server.key", atomically: true, encoding: .utf8)
        let configFile = directory + "/\(label).yaml"
        try config(admin: admin, tlsDirectory: tlsDirectory, keys: keys, keystore: keystore)
            .write(toFile: configFile, atomically: true, encoding: .utf8)

        // Neither release prints the port it bound (port 0 shows as ":0"), so pick one; a port
        // taken in between makes the server exit, and the next attempt picks another.
        var failures: [String] = []
        for attempt in 1...3 {
            let port = BackendLauncher.freePort()
            var arguments = ["server", "--config", configFile, "--addr", "127.0.0.1:\(port)"]
            // KES 2023 verifies client certificates against the system roots unless told not to;
            // KES 2025 accepts any client certificate while `tls.auth` is unset.
            if release == .v2023 { arguments += ["--auth", "off"] }
            let started = try launch(
                binary, arguments, release: release, port: port, configFile: configFile, admin: admin,
                logs: directory + "/\(label)-\(attempt)")
            do {
                try await started.waitUntilAnswering(deadline: .now + timeout)
                // Ends the server should this test process die before `stop()`, as for the backends.
                _ = try? await TestProcess.run(
                    "/bin/bash",
                    [
                        "-c", #"setsid bash "$0" "$1" "$2" </dev/null >/dev/null 2>&1 &"#,
                        BackendLauncher.backendsDirectory + "/watchdog.sh", String(getpid()), String(started.process.processIdentifier),
                    ])
                return started
            } catch {
                await started.stop()
                failures.append("\(error)")
            }
        }
        throw Failure(description: "\(release) did not start: \(failures.joined(separator: "; "))")
    }

    private static func launch(
        _ binary: String, _ arguments: [String], release: ReferenceKES.Release, port: Int, configFile: String,
        admin: TestIdentity, logs: String
    ) throws -> ReferenceKESServer {
        // Files, not pipes: a pipe's write end can leak into a sibling test's child.
        for suffix in [".stdout", ".stderr"] { _ = FileManager.default.createFile(atPath: logs + suffix, contents: nil) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: logs + ".stdout"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: logs + ".stderr"))
        defer {
            try? out.close()
            try? err.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: configFile).deletingLastPathComponent()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return ReferenceKESServer(
            release: release, port: port, configFile: configFile, admin: admin, process: process,
            stderrPath: logs + ".stderr")
    }

    private func waitUntilAnswering(deadline: ContinuousClock.Instant) async throws {
        let client = try client()
        var last = "no answer"
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw Failure(description: "\(release) exited \(process.terminationStatus): \(errors)")
            }
            do {
                let reply = try await client.get("/version")
                if reply.status == 200 { return }
                last = "status \(reply.status): \(reply.body)"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw Failure(description: "\(release) on port \(port) did not answer /version (\(last)): \(errors)")
    }

    /// A client presenting `identity` (the admin's by default).
    public func client(_ identity: TestIdentity? = nil) throws -> TestClient {
        try TestClient(port: port, identity: identity ?? admin)
    }

    /// What the server wrote to stderr: its error log.
    public var errors: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, then SIGKILL when the server has not exited within `grace`; returns once it is gone.
    /// KES 2025 takes a few seconds to shut down gracefully.
    public func stop(grace: Duration = .seconds(5)) async {
        let pid = process.processIdentifier
        guard process.isRunning else { return }
        _ = kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { _ = kill(pid, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
    }
}

/// Runs `body` with a started reference KES and always stops it.
public func withReferenceKES<T>(
    _ release: ReferenceKES.Release, directory: String, admin: TestIdentity, keys: [String] = [],
    keystore: String, label: String? = nil, _ body: (ReferenceKESServer) async throws -> T
) async throws -> T {
    let server = try await ReferenceKESServer.start(
        release, directory: directory, admin: admin, keys: keys, keystore: keystore, label: label)
    return try await withAsyncCleanup { try await body(server) } cleanup: { await server.stop() }
}

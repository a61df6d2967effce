import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one of the `backends/` launchers, the same scripts developers and CI use, and
/// stops what it started by PID.
///
/// Every launch passes this process's PID as `BACKEND_OWNER_PID`, so the launcher's
/// watchdog stops the server should this process die (crash, kill) before `stop()`.
public struct BackendLauncher: Sendable {
    public let pidFile: String
    /// The `KEY=VALUE` lines the launcher printed, e.g. `VAULT_ADDR`.
    public let values: [String: String]

    public static let backendsDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // KESTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("backends").path

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - script: e.g. `openbao-dev.sh`.
    ///   - pidName: the file the launcher writes into `directory`, e.g. `openbao.pid`.
    ///   - environment: added to this process's environment for the launcher.
    public static func start(
        _ script: String, arguments: [String], directory: String, pidName: String, environment: [String: String] = [:]
    ) async throws -> BackendLauncher {
        let owned = environment.merging(["BACKEND_OWNER_PID": String(getpid())]) { _, owner in owner }
        let (status, output, errors) = try await run(script, arguments, environment: owned)
        guard status == 0 else {
            throw Failure(description: "\(script) exited \(status): \(errors)\(output)")
        }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return BackendLauncher(pidFile: directory + "/" + pidName, values: values)
    }

    /// Stops the process by PID and waits for it to exit.
    public func stop() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.backendsDirectory + "/stop.sh", pidFile]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try? process.run()
        process.waitUntilExit()
    }

    /// Stops the process recorded in `pidFile` and waits for it to exit, without blocking
    /// a thread of the cooperative pool. A missing PID file or a dead process is no error.
    public static func stop(pidFile: String) async {
        _ = try? await run("stop.sh", [pidFile], environment: [:])
    }

    /// Runs a script from `backends/` and returns its exit status, stdout and stderr.
    private static func run(
        _ script: String, _ arguments: [String], environment: [String: String]
    ) async throws -> (status: Int32, output: String, errors: String) {
        try await TestProcess.run("/bin/bash", [backendsDirectory + "/" + script] + arguments, environment: environment)
    }

    private static let handedOut = Mutex(Set<Int>())

    /// A TCP port on 127.0.0.1 that was free a moment ago, and PORT+1 with it: the dev
    /// OpenBao also binds PORT+1 (cluster). Pairs handed out before are never handed out
    /// again, so parallel tests in this process do not pick the same port.
    public static func freePort() -> Int {
        var last = 0
        for _ in 0..<100 {
            let port = Int.random(in: 20_000..<60_000)
            let fresh = handedOut.withLock { ports in
                guard !ports.contains(port), !ports.contains(port + 1), !ports.contains(port - 1) else { return false }
                ports.insert(port)
                ports.insert(port + 1)
                return true
            }
            if fresh, isFree(port), isFree(port + 1) { return port }
            last = port
        }
        // Practically unreachable; the launcher then fails with the server's bind error.
        return last
    }

    /// A port is free when a socket can bind it on 127.0.0.1.
    private static func isFree(_ port: Int) -> Bool {
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

    public static func isInstalled(_ command: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
    }
}

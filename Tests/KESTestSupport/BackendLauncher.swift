import Foundation
import Synchronization
import Testing

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

    /// The port the server listens on, from the address the launcher printed (`VAULT_ADDR`,
    /// `AWS_ENDPOINT`); with port 0 as the argument, the one the kernel picked.
    public var port: Int? {
        guard let address = values["VAULT_ADDR"] ?? values["AWS_ENDPOINT"], let colon = address.lastIndex(of: ":") else {
            return nil
        }
        return Int(address[address.index(after: colon)...])
    }

    /// - Parameters:
    ///   - script: e.g. `openbao-dev.sh`.
    ///   - arguments: the launcher's arguments; pass port 0 to let the server bind a port the
    ///     kernel picks (read `port` afterwards), which no parallel test can take first.
    ///   - pidName: the file the launcher writes into `directory`, e.g. `openbao.pid`.
    ///   - environment: added to this process's environment for the launcher.
    ///   - attempts: how often to try. A restart on a fixed port passes more than one: the old
    ///     listener's port can stay busy for a moment after its process exited.
    public static func start(
        _ script: String, arguments: [String], directory: String, pidName: String, environment: [String: String] = [:],
        attempts: Int = 1
    ) async throws -> BackendLauncher {
        let owned = environment.merging(["BACKEND_OWNER_PID": String(getpid())]) { _, owner in owner }
        var attempt = 1
        var (status, output, errors) = try await run(script, arguments, environment: owned)
        while status != 0, attempt < attempts {
            // The launcher removed what it started; a stale PID file is no reason to give up.
            await stop(pidFile: directory + "/" + pidName)
            try await Task.sleep(for: .milliseconds(500))
            attempt += 1
            (status, output, errors) = try await run(script, arguments, environment: owned)
        }
        guard status == 0 else {
            throw Failure(description: "\(script) exited \(status) (attempt \(attempt) of \(attempts)): \(errors)\(output)")
        }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return BackendLauncher(pidFile: directory + "/" + pidName, values: values)
    }

    /// Stops the process by PID and waits for it to exit, without blocking a thread of the
    /// cooperative pool.
    public func stop() async {
        await Self.stop(pidFile: pidFile)
    }

    /// Stops the process recorded in `pidFile` and waits for it to exit, without blocking
    /// a thread of the cooperative pool. A missing PID file or a dead process is no error;
    /// a stop that fails is recorded as a test issue, since it leaves a server behind.
    public static func stop(pidFile: String) async {
        do {
            let (status, output, errors) = try await run("stop.sh", [pidFile], environment: [:])
            if status != 0 { Issue.record("stop.sh \(pidFile) exited \(status): \(errors)\(output)") }
        } catch {
            Issue.record("stop.sh \(pidFile) did not run: \(error)")
        }
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
    ///
    /// Only for a port that must stay fixed (a backend restarted on the same address) or that
    /// nobody may listen on; a server that can bind port 0 should. The port lies outside the
    /// kernel's ephemeral range, so no outgoing connection and no port-0 bind can take it.
    public static func freePort() -> Int {
        let range = portRange
        var last = 0
        for _ in 0..<100 {
            let port = Int.random(in: range)
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

    /// Ports below the ephemeral range (`ip_local_port_range`), or above it when too few lie
    /// below; registered services mostly sit under 10000.
    static let portRange: Range<Int> = {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        let low = bounds.count == 2 ? bounds[0] : 32_768
        let high = bounds.count == 2 ? bounds[1] : 60_999
        if low - 10_000 >= 4_000 { return 10_000..<(low - 1) }
        if high + 4_000 < 65_000 { return (high + 1)..<65_000 }
        return 10_000..<20_000
    }()

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

    /// Where `backends/install.sh` puts the Python tools (`bao`, `moto_server`): a virtual
    /// environment in the build folder, which the launchers put first on their PATH (lib.sh).
    public static let venvBinDirectory: String = {
        if let venv = ProcessInfo.processInfo.environment["BACKEND_VENV"], !venv.isEmpty { return venv + "/bin" }
        return URL(fileURLWithPath: backendsDirectory).deletingLastPathComponent()
            .appendingPathComponent(".build/venv/bin").path
    }()

    /// True when a launcher will find `command`: in the build folder's virtual environment or
    /// on the PATH.
    public static func isInstalled(_ command: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = [venvBinDirectory] + path.split(separator: ":").map(String.init)
        return directories.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
    }
}

/// Runs `body`, then `cleanup`, also when `body` throws: an async stop cannot go in a `defer`,
/// and a stop written after the body's last line is skipped by the first failed `try`.
public func withAsyncCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    let result: T
    do {
        result = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return result
}

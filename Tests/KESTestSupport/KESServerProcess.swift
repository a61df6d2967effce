import AsyncHTTPClient
import Foundation
import KESCore
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `kes server --config FILE` as a child process of the test: the built `kes` executable, so that
/// the server can be killed outright (SIGKILL, no shutdown code runs) and started again on the
/// same key store, as an operator's machine would after a crash.
public final class KESServerProcess: Sendable {
    public let pid: Int32
    /// The port the server reported in its start banner (the config may ask for port 0).
    public let port: Int
    public let stdoutPath: String
    public let stderrPath: String
    private let process: Process
    private let exit: ExitWatch

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The repository's `.build/debug/kes` (or the release build if only that exists), found from
    /// this file's path, as `swift build --build-tests` leaves it.
    public static var binary: String {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // KESTestSupport
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
        for configuration in ["debug", "release"] {
            let path = root.appendingPathComponent(".build/\(configuration)/kes").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return root.appendingPathComponent(".build/debug/kes").path
    }

    private init(process: Process, port: Int, stdoutPath: String, stderrPath: String, exit: ExitWatch) {
        self.process = process
        self.pid = process.processIdentifier
        self.port = port
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        self.exit = exit
    }

    /// Starts `kes server --config config`, waits for the start banner's port, then until
    /// `/version` answers 200 to `identity`. Output goes to files in `logDirectory`, named after
    /// `label`: a pipe's write end can leak into a sibling test's child and keep it open.
    ///
    /// A watchdog (`backends/watchdog.sh`) ends the server should this test process die first.
    public static func start(
        config: String, identity: TestIdentity, logDirectory: String, label: String, timeout: Duration = .seconds(20)
    ) async throws -> KESServerProcess {
        let binary = Self.binary
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure(description: "no kes executable at \(binary): run swift build --build-tests first")
        }
        let stdoutPath = logDirectory + "/\(label).stdout"
        let stderrPath = logDirectory + "/\(label).stderr"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer {
            try? out.close()
            try? err.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["server", "--config", config]
        var environment = ProcessInfo.processInfo.environment
        for name in ["KES_SERVER", "KES_API_KEY", "KES_CLIENT_CERT", "KES_CLIENT_KEY"] { environment[name] = nil }
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        let exit = ExitWatch()
        process.terminationHandler = { exit.exited($0.terminationStatus) }
        try process.run()

        let deadline = ContinuousClock.now + timeout
        do {
            let port = try await pollBanner(stdoutPath: stdoutPath, stderrPath: stderrPath, exit: exit, deadline: deadline)
            let started = KESServerProcess(
                process: process, port: port, stdoutPath: stdoutPath, stderrPath: stderrPath, exit: exit)
            try await started.waitUntilAnswering(identity: identity, deadline: deadline)
            await started.watch()
            return started
        } catch {
            if exit.status == nil { sendKill(process.processIdentifier) }
            await exit.wait()
            throw error
        }
    }

    /// The port in `kes server`'s banner, `swift-kes VERSION listening on ADDRESS (port N)`, which
    /// it prints once the port is bound; nil until the banner is out.
    public static func port(inBanner output: String) -> Int? {
        guard let range = output.range(of: "(port "), let close = output[range.upperBound...].firstIndex(of: ")") else {
            return nil
        }
        return Int(output[range.upperBound..<close])
    }

    /// Waits for the banner.
    private static func pollBanner(
        stdoutPath: String, stderrPath: String, exit: ExitWatch, deadline: ContinuousClock.Instant
    ) async throws -> Int {
        while ContinuousClock.now < deadline {
            let output = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
            if let port = Self.port(inBanner: output) { return port }
            if let status = exit.status {
                let errors = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                throw Failure(description: "kes server exited \(status) before listening: \(errors)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Failure(description: "kes server printed no port in time: \(output(stdoutPath))\(output(stderrPath))")
    }

    private func waitUntilAnswering(identity: TestIdentity, deadline: ContinuousClock.Instant) async throws {
        let client = try KESProcessClient(port: port, identity: identity)
        var last = "no answer"
        while ContinuousClock.now < deadline, exit.status == nil {
            do {
                let reply = try await client.send(.GET, "/version", timeout: .seconds(2))
                if reply.status == 200 {
                    await client.shutdown()
                    return
                }
                last = "status \(reply.status)"
            } catch {
                last = "\(error)"
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        await client.shutdown()
        let exited = exit.status.map { "exited \($0)" } ?? "running"
        throw Failure(description: "kes server on port \(port) did not answer /version (\(last)); \(exited): \(errors)")
    }

    /// Ties the server's life to this test process, as the backend launchers do.
    private func watch() async {
        let watchdog = BackendLauncher.backendsDirectory + "/watchdog.sh"
        do {
            let (status, _, errors) = try await TestProcess.run(
                "/bin/bash",
                ["-c", #"setsid bash "$0" "$1" "$2" </dev/null >/dev/null 2>&1 &"#, watchdog, String(getpid()), String(pid)])
            if status != 0 { Issue.record("watchdog.sh did not start (\(status)): \(errors)") }
        } catch {
            Issue.record("watchdog.sh did not start: \(error)")
        }
    }

    public var hasExited: Bool { exit.status != nil }

    /// What the server wrote to stderr: its error log and start-up messages.
    public var errors: String { Self.output(stderrPath) }

    private static func output(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// SIGKILL now, without waiting; for `defer`. Does nothing once the process is gone.
    public func killNow() {
        if exit.status == nil { sendKill(pid) }
    }

    /// SIGKILL, then waits until the process is reaped.
    public func kill() async {
        killNow()
        await exit.wait()
    }
}

/// The child's exit, as Foundation reports it, for any number of waiters.
private final class ExitWatch: Sendable {
    private struct State {
        var status: Int32?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var status: Int32? { state.withLock { $0.status } }

    func exited(_ status: Int32) {
        let waiters = state.withLock { state in
            state.status = status
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.status != nil { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}

/// An HTTPS client for a `KESServerProcess`: one identity's certificate, any server certificate
/// trusted, and a deadline on every request, so that a server that stops answering fails the
/// test in seconds instead of hanging it.
public final class KESProcessClient: Sendable {
    private let http: HTTPClient
    public let port: Int

    public struct Reply: Sendable {
        public let status: Int
        public let body: String

        /// The decoded JSON object, or nil for a body that is not one.
        public var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
    }

    public init(port: Int, identity: TestIdentity) throws {
        self.port = port
        let tls = try TestClient.tlsConfiguration(identity: identity)
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(10))
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func send(_ method: HTTPMethod, _ path: String, _ body: String? = nil, timeout: Duration = .seconds(10))
        async throws -> Reply
    {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await http.execute(request, timeout: .nanoseconds(timeout.nanosecondsClamped))
        let collected = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: String(buffer: collected))
    }

    /// Closes the connections; every client must be shut down before it is released.
    public func shutdown() async {
        try? await http.shutdown()
    }
}

/// SIGKILL to one process, by PID.
private func sendKill(_ pid: Int32) {
    _ = kill(pid, SIGKILL)
}

extension Duration {
    fileprivate var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

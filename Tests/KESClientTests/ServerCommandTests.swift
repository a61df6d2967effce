import Foundation
import KESTestSupport
import Testing

/// `kes server` as an operator starts it.
@Suite(.timeLimit(.minutes(1))) struct ServerCommandTests {
    /// A port that is taken ends the command at once with the address and the reason; it used to
    /// wait for a listener that never came, deaf to SIGTERM.
    @Test func aTakenPortFailsAtOnceNamingTheAddress() async throws {
        let running = try await TestServer()
        defer { running.stop() }
        let directory = running.directory
        let config = directory + "/taken-port.yaml"
        try """
            address: 127.0.0.1:\(running.port)
            admin: { identity: \(running.admin.identity.rawValue) }
            tls: { key: \(directory)-tls/server.key, cert: \(directory)-tls/server.crt }
            keystore: { fs: { path: \(directory)/second-keys } }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let start = ContinuousClock.now
        let result = try await CLIRunner(environment: [:]).run(["server", "--config", config], timeout: .seconds(30))
        #expect(result.status == 1)
        #expect(result.stderr.contains("Error: http: failed to listen on 127.0.0.1:\(running.port): address already in use"))
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    /// With a descriptor limit below the connection cap, the server lowers the cap and says so.
    /// Past the limit, `accept` would fail with EMFILE and the listener spin a core while clients
    /// wait; below it, a flood of connections is shed and real clients get in.
    @Test func aLowDescriptorLimitLowersTheCapInsteadOfSpinning() async throws {
        let prepared = try await TestServer(start: false)
        let directory = prepared.directory
        let config = directory + "/low-limit.yaml"
        try """
            address: 127.0.0.1:0
            admin: { identity: \(prepared.admin.identity.rawValue) }
            tls: { key: \(directory)-tls/server.key, cert: \(directory)-tls/server.crt }
            keystore: { fs: { path: \(directory)/keys } }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let output = directory + "/low-limit.out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -n 100 && exec \"$0\" server --config \"$1\"", CLIRunner.binary, config]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = process.standardOutput
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let port = try await Self.waitForPort(in: output)
        let flood = try (0..<300).map { _ in try PlainSocket(port: port) }
        let before = try Self.cpuSeconds(of: process.processIdentifier)
        try await Task.sleep(for: .seconds(2))  // the span over which CPU time is measured
        let spent = try Self.cpuSeconds(of: process.processIdentifier) - before
        let reply = try await TestClient(port: port, identity: prepared.admin).get("/version")

        let log = try String(contentsOfFile: output, encoding: .utf8)
        #expect(log.contains("http: the file descriptor limit (100) is too low for 10000 connections: serving at most 36"))
        #expect(spent < 0.5, "the server spent \(spent) s of CPU in 2 s with 300 idle connections")
        #expect(reply.status == 200)
        withExtendedLifetime(flood) {}
    }

    private static func waitForPort(in path: String) async throws -> Int {
        let giveUp = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < giveUp {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if let port = KESServerProcess.port(inBanner: text) { return port }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CLIRunnerTimeout(what: "the server's port in \(path)")
    }

    /// User plus system CPU time of a process, from /proc.
    private static func cpuSeconds(of pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: try #require(stat.lastIndex(of: ")")))...].split(separator: " ")
        let ticks = try #require(Double(fields[11])) + (try #require(Double(fields[12])))
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

struct CLIRunnerTimeout: Error {
    let what: String
}

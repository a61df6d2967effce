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
}

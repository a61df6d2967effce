import Foundation
import KESAWS
import KESConfig
import KESTestSupport
import Logging
import Testing

@Suite(.serialized) struct MotoOutageTests {
    /// Port 0 lets moto bind a port itself; a restart passes the port it got and retries,
    /// since the old listener's port can stay busy for a moment.
    static func startMoto(port: Int = 0, directory: String) async throws -> BackendLauncher {
        try await BackendLauncher.start(
            "moto.sh", arguments: [String(port), directory], directory: directory, pidName: "moto.pid",
            attempts: port == 0 ? 1 : 10)
    }

    /// moto keeps its data in memory, so after the restart the old keys are gone; the
    /// cached one keeps serving and new keys work without restarting swift-kes.
    @Test func cachedKeysServeThroughAMotoOutage() async throws {
        let directory = TestServer.makeDirectory()
        let moto = try await Self.startMoto(directory: directory)
        try await withAsyncCleanup {
            let port = try #require(moto.port)
            var config = AWSSecretsManagerConfig(endpoint: "http://127.0.0.1:\(port)", region: "us-east-1")
            config.accessKey = "AKIDEXAMPLE"
            config.secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
            let store = try await AWSSecretsManagerKeyStore(config: config, logger: Logger(label: "test"))
            let server = try await TestServer(keyStore: store)
            try await withAsyncCleanup {
                try await OutageScenario(
                    server: server,
                    stopBackend: { await moto.stop() },
                    restartBackend: { _ = try await Self.startMoto(port: port, directory: directory) }
                ).run()
            } cleanup: {
                await #expect(throws: Never.self) { try await server.stopAndWait() }
            }
        } cleanup: {
            // The restart wrote the same PID file, so this stops whichever process runs now.
            await moto.stop()
        }
    }
}

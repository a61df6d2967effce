import Foundation
import KESAWS
import KESConfig
import KESTestSupport
import Logging
import Testing

@Suite(.serialized) struct MotoOutageTests {
    static func startMoto(port: Int, directory: String) async throws -> BackendLauncher {
        try await BackendLauncher.start("moto.sh", arguments: [String(port), directory], directory: directory, pidName: "moto.pid")
    }

    /// moto keeps its data in memory, so after the restart the old keys are gone; the
    /// cached one keeps serving and new keys work without restarting swift-kes.
    @Test func cachedKeysServeThroughAMotoOutage() async throws {
        let port = BackendLauncher.freePort()
        let directory = TestServer.makeDirectory()
        var moto = try await Self.startMoto(port: port, directory: directory)
        defer { moto.stop() }
        var config = AWSSecretsManagerConfig(endpoint: "http://127.0.0.1:\(port)", region: "us-east-1")
        config.accessKey = "AKIDEXAMPLE"
        config.secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        let store = try await AWSSecretsManagerKeyStore(config: config, logger: Logger(label: "test"))
        let server = try await TestServer(keyStore: store)
        defer { server.stop() }
        try await OutageScenario(
            server: server,
            stopBackend: { moto.stop() },
            restartBackend: { moto = try await Self.startMoto(port: port, directory: directory) }
        ).run()
    }
}

import Foundation
import KESTestSupport
import Testing

/// `--addr` with a port beyond 16 bits used to listen on the port modulo 65536.
@Suite("CLI: --addr") struct ListenAddressCLITests {
    @Test func outOfRangePortIsRefused() async throws {
        let result = try await CLIRunner(environment: [:])
            .run(["server", "--dev", "--addr", "127.0.0.1:99999"], timeout: .seconds(30))
        #expect(result.status == 2)
        #expect(result.stderr.contains("--addr: invalid address \"127.0.0.1:99999\": port 99999 is out of range (0-65535)"))
        #expect(!result.stdout.contains("Endpoint"))
    }

    @Test func configAddressOutOfRangeIsRefused() async throws {
        let directory = NSTemporaryDirectory() + "kes-addr-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/config.yaml"
        try """
            address: 127.0.0.1:99999
            admin: { identity: disabled }
            tls: { key: k.pem, cert: c.pem }
            keystore: { fs: { path: \(directory)/keys } }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try await CLIRunner(environment: [:]).run(["server", "--config", config], timeout: .seconds(30))
        #expect(result.status == 1)
        #expect(result.stderr == "Error: config: \(config): address: invalid address \"127.0.0.1:99999\": port 99999 is out of range (0-65535)\n")
    }
}

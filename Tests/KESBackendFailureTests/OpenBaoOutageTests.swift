import Foundation
import KESConfig
import KESKeyStore
import KESTestSupport
import KESVault
import Logging
import Testing

@Suite(.serialized) struct OpenBaoOutageTests {
    static let token = "swift-kes-test-root"

    static func startOpenBao(port: Int, directory: String, auditLog: String? = nil) async throws -> BackendLauncher {
        try await BackendLauncher.start(
            "openbao-dev.sh", arguments: [String(port), token, directory], directory: directory, pidName: "openbao.pid",
            environment: auditLog.map { ["OPENBAO_AUDIT_LOG": $0] } ?? [:]
        )
    }

    static func store(port: Int) async throws -> VaultKeyStore {
        var config = VaultKeyStoreConfig(endpoint: "http://127.0.0.1:\(port)")
        config.engine = "secret"
        config.kvVersion = .v2
        config.prefix = "kes"
        config.token = token
        config.statusPing = .seconds(1)
        return try await VaultKeyStore(config: config, logger: Logger(label: "test"))
    }

    @Test func cachedKeysServeThroughAnOpenBaoOutage() async throws {
        let port = BackendLauncher.freePort()
        let directory = TestServer.makeDirectory()
        var openBao = try await Self.startOpenBao(port: port, directory: directory)
        defer { openBao.stop() }
        let server = try await TestServer(keyStore: try await Self.store(port: port))
        defer { server.stop() }
        try await OutageScenario(
            server: server,
            stopBackend: { openBao.stop() },
            restartBackend: { openBao = try await Self.startOpenBao(port: port, directory: directory) }
        ).run()
    }

    /// N concurrent misses on one key cost one backend read, counted in OpenBao's own audit log.
    @Test func missStormCostsOneRead() async throws {
        let port = BackendLauncher.freePort()
        let directory = TestServer.makeDirectory()
        let auditLog = directory + "/audit.log"
        let openBao = try await Self.startOpenBao(port: port, directory: directory, auditLog: auditLog)
        defer { openBao.stop() }
        let server = try await TestServer(keyStore: try await Self.store(port: port))
        defer { server.stop() }
        #expect(try await server.client().put("/v1/key/create/storm").status == 200)

        func reads() -> Int {
            let lines = (try? String(contentsOfFile: auditLog, encoding: .utf8))?.split(separator: "\n") ?? []
            return lines.filter { line in
                line.contains(#""type":"response""#) && line.contains(#""operation":"read""#)
                    && line.contains(#""path":"secret/data/kes/storm""#)
            }.count
        }
        let before = reads()
        let clients = try (0..<8).map { _ in try server.client() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<64 {
                let client = clients[index % clients.count]
                group.addTask { try await client.put("/v1/key/generate/storm", "{}").status }
            }
            for try await status in group { #expect(status == 200) }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(reads() - before == 1)
    }
}

import Foundation
import KESKeyStore
import KESTestSupport
import Testing

@testable import KESVault

/// `endpoint` as a list: the nodes of one cluster, tried in turn.
@Suite("Vault endpoint failover", .requiresOpenBao)
struct VaultEndpointFailoverTests {
    /// A loopback port with nothing listening: connecting is refused at once.
    static func closedEndpoint() -> String {
        "http://127.0.0.1:\(BackendLauncher.freePort())"
    }

    @Test("a node that refuses connections is passed over, and the one that answered stays first")
    func refusedNode() async throws {
        try await withOpenBao { server in
            var config = VaultKeyStoreConfig.test(server, engine: "secret", version: .v2)
            config.endpoints = [Self.closedEndpoint(), server.address]
            try await withStore(config) { store in
                try await store.create("k", value: "v".bytes)
                #expect(try await store.get("k") == "v".bytes)
                try await store.status()
                #expect(store.transport.endpoints.endpoints.count == 2)
            }
        }
    }

    @Test("a sealed node is passed over")
    func sealedNode() async throws {
        try await withOpenBao(.sealable) { sealed in
            try await OpenBaoAdmin(sealed).must(.PUT, "sys/seal")
            try await withOpenBao { server in
                var config = VaultKeyStoreConfig.test(server, engine: "secret", version: .v2)
                config.endpoints = [sealed.address, server.address]
                try await withStore(config) { store in
                    try await store.status()
                    try await store.create("k", value: "v".bytes)
                    #expect(try await store.get("k") == "v".bytes)
                }
            }
        }
    }

    @Test("when every node refuses, the error names them all")
    func allNodesDown() async throws {
        var config = VaultKeyStoreConfig(endpoints: [Self.closedEndpoint(), Self.closedEndpoint()])
        config.token = "t"
        let error = await keyStoreError { _ = try await VaultKeyStore(config: config, logger: LogRecorder().logger) }
        #expect(error?.isOutage == true)
        #expect(error?.description.contains(config.endpoints[0]) == true)
        #expect(error?.description.contains(config.endpoints[1]) == true)
    }

    @Test("the active node comes from sys/leader only in a cluster")
    func leaderAddress() {
        func answer(_ json: String) -> VaultResponse { VaultResponse(status: .ok, body: Array(json.utf8)) }
        #expect(VaultActiveNode.leaderAddress(in: answer(#"{"ha_enabled":true,"is_self":false,"leader_address":"https://bao-0:8200/"}"#))
            == "https://bao-0:8200")
        #expect(VaultActiveNode.leaderAddress(in: answer(#"{"ha_enabled":false,"leader_address":""}"#)) == nil)
        #expect(VaultActiveNode.leaderAddress(in: answer(#"{"ha_enabled":true,"leader_address":""}"#)) == nil)
    }

    @Test("answers that mean another node may serve")
    func nodeCannotServe() {
        func answer(_ code: UInt, _ body: String = "") -> VaultResponse { VaultResponse(status: .init(statusCode: Int(code)), body: Array(body.utf8)) }
        #expect(answer(307).nodeCannotServe)
        #expect(answer(503, #"{"errors":["Vault is sealed"]}"#).nodeCannotServe)
        #expect(answer(500, #"{"errors":["local node not active but active cluster node not found"]}"#).nodeCannotServe)
        #expect(!answer(500, #"{"errors":["internal error"]}"#).nodeCannotServe)
        #expect(!answer(404).nodeCannotServe)
        #expect(!answer(400).nodeCannotServe)
    }
}

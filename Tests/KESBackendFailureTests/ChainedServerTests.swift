import Foundation
import KESChainStore
import KESConfig
import KESCore
import KESTestSupport
import Testing

/// `keystore.kes`: a swift-kes edge server keeps its keys in an upstream swift-kes server.
@Suite(.serialized) struct ChainedServerTests {
    /// Port 0 binds a port the kernel picks. A restart on the port the first start got retries
    /// for a few seconds: the old listener's port can stay busy for a moment.
    static func upstream(edge: TestIdentity, port: Int, directory: String) async throws -> TestServer {
        var attempt = 1
        while true {
            do {
                return try await TestServer(directory: directory) { config in
                    config.address = "127.0.0.1:\(port)"
                    config.policies = [
                        PolicyConfig(name: "edge", allow: ["/v1/secret/*", "/v1/ready"], identities: [edge.identity.rawValue])
                    ]
                }
            } catch where port != 0 && attempt < 10 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    static func edge(apiKey: APIKey, upstreamPort: Int) async throws -> TestServer {
        var upstream = KESKeyStoreConfig(endpoints: ["https://127.0.0.1:\(upstreamPort)"])
        upstream.apiKey = apiKey.text
        upstream.tls.insecureSkipVerify = true
        return try await TestServer(keyStore: try KESChainKeyStore(config: upstream))
    }

    @Test func edgeKeysLiveUpstream() async throws {
        let edgeKey = APIKey.random()
        let upstream = try await Self.upstream(edge: try .apiKey(edgeKey), port: 0, directory: TestServer.makeDirectory())
        defer { upstream.stop() }
        let edge = try await Self.edge(apiKey: edgeKey, upstreamPort: upstream.port)
        defer { edge.stop() }
        // The sync stops in `defer` drop the connections at once; the runs end by themselves.
        let edgeClient = try edge.client()
        let upstreamClient = try upstream.client()

        #expect(try await edgeClient.put("/v1/key/create/chained").status == 200)
        #expect(try await edgeClient.put("/v1/key/create/chained").message == "key already exists")
        let sealed = try #require(try await edgeClient.put("/v1/key/encrypt/chained", #"{"plaintext":"aGk="}"#).json["ciphertext"] as? String)
        // The upstream holds the very same key, so it decrypts what the edge encrypted.
        let opened = try await upstreamClient.put("/v1/key/decrypt/chained", #"{"ciphertext":"\#(sealed)"}"#)
        #expect(opened.json["plaintext"] as? String == "aGk=")
        #expect(try await edgeClient.get("/v1/key/list/ch").json["names"] as? [String] == ["chained"])
        #expect(try await edgeClient.get("/v1/ready").status == 200)
        #expect(try await edgeClient.delete("/v1/key/delete/chained").status == 200)
        #expect(try await upstreamClient.get("/v1/key/describe/chained").status == 404)
        #expect(try await edgeClient.put("/v1/key/generate/chained", "{}").status == 404)

        // Only the edge's policy opens the secret API upstream.
        let stranger = try upstream.client(try .ecdsa())
        #expect(try await stranger.get("/v1/secret/read/anything").status == 403)
    }

    @Test func cachedKeysServeThroughAnUpstreamOutage() async throws {
        let edgeKey = APIKey.random()
        let directory = TestServer.makeDirectory()
        var upstream = try await Self.upstream(edge: try .apiKey(edgeKey), port: 0, directory: directory)
        let port = upstream.port
        try await withAsyncCleanup {
            let edge = try await Self.edge(apiKey: edgeKey, upstreamPort: port)
            try await withAsyncCleanup {
                try await OutageScenario(
                    server: edge,
                    // Waits for the old server's end, so its port is free for the restart.
                    stopBackend: { await #expect(throws: Never.self) { try await upstream.stopAndWait() } },
                    restartBackend: { upstream = try await Self.upstream(edge: try .apiKey(edgeKey), port: port, directory: directory) }
                ).run()
            } cleanup: {
                await #expect(throws: Never.self) { try await edge.stopAndWait() }
            }
        } cleanup: {
            await #expect(throws: Never.self) { try await upstream.stopAndWait() }
        }
    }
}

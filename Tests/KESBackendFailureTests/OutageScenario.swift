import Foundation
import KESTestSupport
import Testing

/// The cache-under-failure scenario (docs/compatibility.md, "Cache"), shared by every real backend:
/// load keys, stop the backend, check what keeps working and what fails fast, restart it, check recovery.
struct OutageScenario {
    let server: TestServer
    let stopBackend: () async -> Void
    let restartBackend: () async throws -> Void

    func run() async throws {
        let client = try server.client()
        #expect(try await client.put("/v1/key/create/cached").status == 200)
        #expect(try await client.put("/v1/key/create/uncached").status == 200)
        let generated = try await client.put("/v1/key/generate/cached", #"{"context":"Y3R4"}"#)
        #expect(generated.status == 200)
        let ciphertext = try #require(generated.json["ciphertext"] as? String)
        let plaintext = try #require(generated.json["plaintext"] as? String)

        await stopBackend()

        // Cached keys keep serving.
        for _ in 0..<3 {
            #expect(try await client.put("/v1/key/generate/cached", "{}").status == 200)
            let opened = try await client.put("/v1/key/decrypt/cached", #"{"ciphertext":"\#(ciphertext)","context":"Y3R4"}"#)
            #expect(opened.status == 200)
            #expect(opened.json["plaintext"] as? String == plaintext)
        }

        // Everything that needs the backend fails fast with a clear 5xx.
        let clock = ContinuousClock()
        let started = clock.now
        let uncached = try await client.put("/v1/key/generate/uncached", "{}")
        #expect(uncached.status == 502)
        #expect(uncached.message == "bad gateway: failed to access key")
        let create = try await client.put("/v1/key/create/new")
        #expect(create.status == 502)
        #expect(create.message == "bad gateway: failed to create key")
        #expect(try await client.get("/v1/key/list/*").message == "bad gateway: failed to list keys")
        #expect(try await client.delete("/v1/key/delete/uncached").message == "bad gateway: failed to delete key")
        #expect(clock.now - started < .seconds(10))

        // A stopped backend process refuses connections: the store is unreachable, not merely
        // unavailable, and the server says so exactly (504 on ready, both flags on status).
        let ready = try await client.get("/v1/ready")
        try expectExactError(ready, status: 504, message: "key store is not reachable")
        let status = try await client.get("/v1/status")
        #expect(status.status == 200)
        let down = try status.jsonObject()
        #expect(down["keystore_unavailable"] as? Bool == true)
        #expect(down["keystore_unreachable"] as? Bool == true)
        #expect(down["keystore_latency"] == nil)

        try await restartBackend()

        // Recovery without restarting swift-kes: poll, since the backend may take a moment to serve.
        let deadline = ContinuousClock.now + .seconds(10)
        var recovered = false
        while !recovered, ContinuousClock.now < deadline {
            recovered = try await client.get("/v1/ready").status == 200
            if !recovered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(recovered)
        let up = try await client.get("/v1/status").jsonObject()
        #expect(up["keystore_unavailable"] == nil)
        #expect(up["keystore_unreachable"] == nil)
        #expect((up["keystore_latency"] as? Int ?? 0) >= 1)
        #expect(try await client.put("/v1/key/create/after-restart").status == 200)
        #expect(try await client.put("/v1/key/generate/after-restart", "{}").status == 200)
        #expect(try await client.put("/v1/key/generate/cached", "{}").status == 200)
    }
}

/// Checks a KES error reply exactly: the status, and a body that is `{"message": message}` and nothing else.
func expectExactError(
    _ reply: TestClient.Reply, status: Int, message: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(reply.status == status, "\(reply.body)", sourceLocation: sourceLocation)
    let object = try reply.jsonObject()
    #expect(Set(object.keys) == ["message"], "\(reply.body)", sourceLocation: sourceLocation)
    #expect(object["message"] as? String == message, sourceLocation: sourceLocation)
}

/// Creates `cached` and `uncached` and uses `cached` once, so the first is in the cache and the
/// second only in the store: what an outage test then tells apart.
func primeCachedAndUncached(_ client: TestClient, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    #expect(try await client.put("/v1/key/create/cached").status == 200, sourceLocation: sourceLocation)
    #expect(try await client.put("/v1/key/create/uncached").status == 200, sourceLocation: sourceLocation)
    #expect(try await client.put("/v1/key/generate/cached", "{}").status == 200, sourceLocation: sourceLocation)
}

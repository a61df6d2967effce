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

        let ready = try await client.get("/v1/ready")
        #expect(ready.status == 504 || ready.status == 502)
        let status = try await client.get("/v1/status")
        #expect(status.status == 200)
        #expect(status.json["keystore_unavailable"] as? Bool == true)
        if status.json["keystore_unreachable"] as? Bool == true {
            #expect(status.json["keystore_unavailable"] as? Bool == true)
        }

        try await restartBackend()

        // Recovery without restarting swift-kes.
        var recovered = false
        for _ in 0..<50 where !recovered {
            recovered = try await client.get("/v1/ready").status == 200
            if !recovered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(recovered)
        let status2 = try await client.get("/v1/status")
        #expect(status2.json["keystore_unavailable"] == nil)
        #expect(try await client.put("/v1/key/create/after-restart").status == 200)
        #expect(try await client.put("/v1/key/generate/after-restart", "{}").status == 200)
        #expect(try await client.put("/v1/key/generate/cached", "{}").status == 200)
    }
}

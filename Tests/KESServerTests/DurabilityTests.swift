import Foundation
import KESCore
import KESTestSupport
import Testing

@Suite struct DurabilityTests {
    @Test func concurrentCreatesOfOneNameHaveOneWinner() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let clients = try (0..<8).map { _ in try server.client() }
        let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<200 {
                let client = clients[index % clients.count]
                group.addTask {
                    let reply = try await client.put("/v1/key/create/contended")
                    return (reply.status, reply.message)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.filter { $0.0 == 200 }.count == 1)
        #expect(statuses.filter { $0.0 == 400 && $0.1 == "key already exists" }.count == 199)
    }

    @Test func restartKeepsEveryAcknowledgedKey() async throws {
        let directory = TestServer.makeDirectory()
        let admin = try TestIdentity.apiKey()
        var ciphertexts: [String: String] = [:]
        do {
            let server = try await TestServer(admin: admin, directory: directory)
            let client = try server.client()
            for index in 0..<20 {
                #expect(try await client.put("/v1/key/create/key-\(index)").status == 200)
                let sealed = try await client.put("/v1/key/encrypt/key-\(index)", #"{"plaintext":"c2VjcmV0"}"#)
                ciphertexts["key-\(index)"] = sealed.json["ciphertext"] as? String
            }
            server.stop()
        }
        let restarted = try await TestServer(admin: admin, directory: directory)
        defer { restarted.stop() }
        let client = try restarted.client()
        #expect((try await client.get("/v1/key/list/*").json["names"] as? [String])?.count == 20)
        for (name, ciphertext) in ciphertexts {
            let opened = try await client.put("/v1/key/decrypt/\(name)", #"{"ciphertext":"\#(ciphertext)"}"#)
            #expect(opened.json["plaintext"] as? String == "c2VjcmV0")
        }
    }

    /// A key directory written by KES 2023 (JSON values, algorithm omitted for AES256) and
    /// ciphertexts made by KES decrypt unchanged.
    @Test func servesA2023KeyDirectory() async throws {
        let directory = TestServer.makeDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
        let zeroKey = Base64.encode([UInt8](repeating: 0, count: 32))
        let v1Key = Base64.encode(Array(0..<32 as Range<UInt8>))
        let v3Key = Base64.encode(Array((0..<32 as Range<UInt8>).reversed()))
        let files = [
            "zero": #"{"bytes":"\#(zeroKey)","created_at":"2023-10-05T09:12:44.123456789Z","created_by":"3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22"}"#,
            "v1": #"{"version":"v1","bytes":"\#(v1Key)","created_at":"2023-10-05T09:12:44Z"}"#,
            "v3": #"{"bytes":"\#(v3Key)","algorithm":"ChaCha20","created_at":"2023-10-05T09:12:44Z"}"#,
            "kes2024": "CiQKIMiHG7XrN94FuwblJJor4f7f6rbqAl7DwsLaiIoyz0D2EAESJAognLXl4yqa4cjZTcSbsU6sNnN8kP9ARWkXwa20YQZa9HgQARoMCNithK0GEID67qYDIkAzZWNmY2RmMzhmY2JlMTQxYWUyNmExMDMwZjgxZTk2Yjc1MzM2NWE0Njc2MGFlNmI1Nzg2OThhOTdjNTlmZDIy",
            "broken": "this is not a key",
        ]
        for (name, value) in files {
            try value.write(toFile: "\(directory)/keys/\(name)", atomically: true, encoding: .utf8)
        }
        let server = try await TestServer(directory: directory)
        defer { server.stop() }
        let client = try server.client()

        // KAT 4 (format B) and KAT 1 (format A) of docs/formats.md, "Test vectors", under the zero key.
        let b = "lbFBRVMyNTYtR0NNX1NIQTI1NtkgNjY2ODdhYWRmODYyYmQ3NzZjOGZjMThiOGU5ZjhlMjDEEExv7LAd4oz0SaHZrX5LBufEDEKME1ow1CDfUFrqv8QgJuy7Sw+jVqz99TK1HV851LT3K4mwwDv46TB2ngWkAJQ="
        let zeros = Base64.encode([UInt8](repeating: 0, count: 16))
        #expect(try await client.put("/v1/key/decrypt/zero", #"{"ciphertext":"\#(b)"}"#).json["plaintext"] as? String == zeros)
        let a = Base64.encode(Array(#"{"aead":"AES-256-GCM-HMAC-SHA-256","iv":"xLxIN3tSCkg2xMafuvwUwg==","nonce":"gu0mGwUkwcvMEoi5","bytes":"WVgRjeIJm3w50C/l+y7y2i6mbNg5NCAqN1zvOYWZKmc="}"#.utf8))
        #expect(try await client.put("/v1/key/decrypt/zero", #"{"ciphertext":"\#(a)"}"#).json["plaintext"] as? String == zeros)
        // V2 with MinIO's context, and V3 (ChaCha20), from the same section.
        let v2 = "laZBRVMyNTbZIDYzMGRjZDI5NjZjNDMzNjY5MTEyNTQ0OGJiYjI1YjRmxBAQERITFBUWFxgZGhscHR4fxAwgISIjJCUmJygpKivEMO+cjYAIlBjGDg7xtnVaPB6BvfsRncs38Xfgof988/4Ztj18oiVWUeH9Xkr/206wgw=="
        let v2Reply = try await client.put("/v1/key/decrypt/v1", #"{"ciphertext":"\#(v2)","context":"eyJteS1idWNrZXQiOiJteS1idWNrZXQvbXktb2JqZWN0In0="}"#)
        #expect(v2Reply.json["plaintext"] as? String == "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=")
        let v3 = "lahDaGFDaGEyMNkgNjljNTVjOTAwMmViOGM3YTRlNzVkMGI0OTYyOWM0Y2bEEDAxMjM0NTY3ODk6Ozw9Pj/EDFBRUlNUVVZXWFlaW8QdECuRTTUR2NpB+wHnZcqL8fID/Z/C+X3hQ9EMVac="
        #expect(try await client.put("/v1/key/decrypt/v3", #"{"ciphertext":"\#(v3)","context":"bXktY29udGV4dA=="}"#).json["plaintext"] as? String == "SGVsbG8gV29ybGQhCg==")
        let describedV3 = try await client.get("/v1/key/describe/v3")
        #expect(describedV3.json["algorithm"] as? String == "ChaCha20")

        // JSON keys have no HMAC key (docs/compatibility.md, "Stored keys"); current KES keys do
        // (the protobuf example of docs/formats.md, "Stored keys").
        let noHMAC = try await client.put("/v1/key/hmac/v1", #"{"message":"SGVsbG8gV29ybGQ="}"#)
        #expect(noHMAC.status == 409)
        #expect(noHMAC.message == "key does not support HMAC")
        let mac = try await client.put("/v1/key/hmac/kes2024", #"{"message":"SGVsbG8gV29ybGQ="}"#)
        #expect(mac.json["hmac"] as? String == "yjAJfdVJzrXLR0hzmvEsig3zCdDbx01nkukKVtBu6OA=")

        // A corrupt file answers 502 for that key only.
        let broken = try await client.put("/v1/key/generate/broken", "{}")
        #expect(broken.status == 502)
        #expect(broken.message == "bad gateway: failed to access key")
        #expect(try await client.put("/v1/key/generate/v1", "{}").status == 200)
    }
}

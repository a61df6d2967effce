import Foundation
import KESCore
import KESTestSupport
import Testing

@Suite struct KeyRoutesTests {
    @Test func keyLifecycleAsAdmin() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()

        #expect(try await client.put("/v1/key/create/my-key").status == 200)
        let exists = try await client.post("/v1/key/create/my-key")
        #expect(exists.status == 400)
        #expect(exists.message == "key already exists")

        let described = try await client.get("/v1/key/describe/my-key")
        #expect(described.status == 200)
        #expect(described.json["name"] as? String == "my-key")
        #expect((described.json["id"] as? String)?.count == 32)
        #expect(described.json["created_by"] as? String == server.admin.identity.rawValue)

        let generated = try await client.put("/v1/key/generate/my-key", #"{"context":"Y29udGV4dA=="}"#)
        #expect(generated.status == 200)
        let plaintext = try #require(generated.json["plaintext"] as? String)
        let ciphertext = try #require(generated.json["ciphertext"] as? String)
        #expect(Base64.decode(plaintext)?.count == 32)
        // Format B: a MessagePack array of five, which every KES release decrypts.
        #expect(Base64.decode(ciphertext)?.first == 0x95)

        let decrypted = try await client.post("/v1/key/decrypt/my-key", #"{"ciphertext":"\#(ciphertext)","context":"Y29udGV4dA=="}"#)
        #expect(decrypted.status == 200)
        #expect(decrypted.json["plaintext"] as? String == plaintext)

        let wrongContext = try await client.post("/v1/key/decrypt/my-key", #"{"ciphertext":"\#(ciphertext)","context":"b3RoZXI="}"#)
        #expect(wrongContext.status == 400)
        #expect(wrongContext.message == "decryption failed: ciphertext is not authentic")

        let encrypted = try await client.put("/v1/key/encrypt/my-key", #"{"plaintext":"SGVsbG8gV29ybGQhCg=="}"#)
        let sealed = try #require(encrypted.json["ciphertext"] as? String)
        let opened = try await client.put("/v1/key/decrypt/my-key", #"{"ciphertext":"\#(sealed)"}"#)
        #expect(opened.json["plaintext"] as? String == "SGVsbG8gV29ybGQhCg==")

        let mac = try await client.put("/v1/key/hmac/my-key", #"{"message":"SGVsbG8gV29ybGQ="}"#)
        #expect(mac.status == 200)
        #expect(Base64.decode(try #require(mac.json["hmac"] as? String))?.count == 32)
        // Text that is not base64 is taken as UTF-8, so the published curl example works
        // (docs/compatibility.md, "HMAC").
        let textMac = try await client.put("/v1/key/hmac/my-key", #"{"message":"Data to use to generate the HMAC secret"}"#)
        #expect(textMac.status == 200)

        #expect(try await client.put("/v1/key/create/my-key-2").status == 200)
        let listed = try await client.get("/v1/key/list/my-key*")
        #expect(listed.status == 200)
        #expect(listed.json["names"] as? [String] == ["my-key", "my-key-2"])
        #expect(listed.json["continue_at"] as? String == "")
        #expect((try await client.get("/v1/key/list").json["names"] as? [String])?.count == 2)
        #expect((try await client.get("/v1/key/list/").json["names"] as? [String])?.count == 2)

        #expect(try await client.delete("/v1/key/delete/my-key").status == 200)
        let gone = try await client.put("/v1/key/generate/my-key", "{}")
        #expect(gone.status == 404)
        #expect(gone.message == "key does not exist")
        #expect(try await client.delete("/v1/key/delete/my-key").status == 404)
    }

    @Test func importedKeyDecryptsKESVectors() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()
        // V1 of docs/formats.md, "Test vectors": key 00..1f, AES256.
        let key = Base64.encode(Array(0..<32 as Range<UInt8>))
        #expect(try await client.put("/v1/key/import/v1-key", #"{"key":"\#(key)","cipher":"AES256"}"#).status == 200)
        let b = "laZBRVMyNTbZIDYzMGRjZDI5NjZjNDMzNjY5MTEyNTQ0OGJiYjI1YjRmxBCgoaKjpKWmp6ipqqusra6vxAywsbKztLW2t7i5urvEGfx9UWn5lEoV/r5knU7+mB4E4FL7INuErKk="
        let reply = try await client.put("/v1/key/decrypt/v1-key", #"{"ciphertext":"\#(b)"}"#)
        #expect(reply.status == 200)
        #expect(reply.json["plaintext"] as? String == "SGVsbG8gS0VT")
        let c = "/H1RafmUShX+vmSdTv6YHgTgUvsg24SsqaChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5urs="
        #expect(try await client.put("/v1/key/decrypt/v1-key", #"{"ciphertext":"\#(c)"}"#).json["plaintext"] as? String == "SGVsbG8gS0VT")

        let badCipher = try await client.put("/v1/key/import/x", #"{"key":"\#(key)","cipher":"DES"}"#)
        #expect(badCipher.status == 400)
        #expect(badCipher.message == "kes: invalid key algorithm 'DES'")
        let badSize = try await client.put("/v1/key/import/x", #"{"key":"AAAA","cipher":"AES256"}"#)
        #expect(badSize.status == 400)
        #expect(badSize.message == "invalid key size")
    }

    @Test func ciphertextOfAnotherKeyIsNotAuthentic() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()
        #expect(try await client.put("/v1/key/create/a").status == 200)
        #expect(try await client.put("/v1/key/create/b").status == 200)
        let sealed = try #require(try await client.put("/v1/key/encrypt/a", #"{"plaintext":"AAAA"}"#).json["ciphertext"] as? String)
        let reply = try await client.put("/v1/key/decrypt/b", #"{"ciphertext":"\#(sealed)"}"#)
        #expect(reply.status == 400)
        #expect(reply.message == "decryption failed: ciphertext is not authentic")
        // The sample ciphertext of KES's published API documentation uses the obsolete AES-256-GCM
        // format (docs/compatibility.md, "Ciphertexts").
        let seed = "eyJhZWFkIjoiQUVTLTI1Ni1HQ00iLCJpdiI6ImJWbHRZVDdpUEtxUjNFYWpvaHp3cmc9PSIsIm5vbmNlIjoiSWxqaHBNcWViUUF5d1MxbyIsImJ5dGVzIjoiYlpNL1liU0E4ZSswVnFSUDhaR2UvdDJHQThrbzRBeXcwNGZBam1KWkIxKzk2OTg4VXYwcFJmRjEvS3poM1hGeCJ9"
        let obsolete = try await client.put("/v1/key/decrypt/a", #"{"ciphertext":"\#(seed)"}"#)
        #expect(obsolete.status == 400)
        #expect(obsolete.message == "decryption failed: ciphertext is not authentic")
    }
}

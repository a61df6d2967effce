import Foundation
import KESClient
import KESCore
import Testing

@Suite("SDK: key routes")
struct SDKKeyTests {
    @Test func keyLifecycleAndErrors() async throws {
        try await withFixture { fixture in
            let client = fixture.client
            try await client.createKey("life")
            await expectKESError(.keyExists) { try await client.createKey("life") }
            let info = try await client.describeKey("life")
            #expect(info.name == "life" && info.algorithm == "AES256" && info.id.count == 32)
            #expect(info.createdBy == fixture.apiKey.identity.rawValue)

            let imported = [UInt8](repeating: 7, count: 32)
            try await client.importKey("imported", key: imported, algorithm: "ChaCha20")
            #expect(try await client.describeKey("imported").algorithm == "ChaCha20")
            await expectKESError(.keyExists) { try await client.importKey("imported", key: imported) }
            await expectKESError(.server(status: 400, message: "invalid key size")) {
                try await client.importKey("short", key: [1, 2, 3])
            }

            let context = Array("bucket/object".utf8)
            let dek = try await client.generateKey("life", context: context)
            #expect(dek.plaintext.count == 32)
            #expect(try await client.decrypt("life", ciphertext: dek.ciphertext, context: context) == dek.plaintext)
            await expectKESError(.notAuthentic) { _ = try await client.decrypt("life", ciphertext: dek.ciphertext) }
            await expectKESError(.notAuthentic) { _ = try await client.decrypt("imported", ciphertext: dek.ciphertext, context: context) }

            let sealed = try await client.encrypt("imported", plaintext: Array("hello".utf8))
            #expect(try await client.decrypt("imported", ciphertext: sealed) == Array("hello".utf8))
            // A key imported with known bytes decrypts locally too: the server used exactly those bytes.
            let local = try SecretKey(bytes: imported, algorithm: .chacha20)
            #expect(try local.decrypt(sealed, context: []) == Array("hello".utf8))

            let mac = try await client.hmac("life", message: Array("message".utf8))
            #expect(mac.count == 32)
            #expect(try await client.hmac("life", message: Array("message".utf8)) == mac)

            #expect(try await client.listKeys() == ["imported", "life"])
            #expect(try await client.listKeys(prefix: "li*") == ["life"])
            #expect(try await client.listKeys(prefix: "zzz") == [])

            try await client.deleteKey("life")
            await expectKESError(.keyNotFound) { try await client.deleteKey("life") }
            await expectKESError(.keyNotFound) { _ = try await client.describeKey("life") }
            await expectKESError(.keyNotFound) { _ = try await client.generateKey("life") }
            await expectKESError(.keyNotFound) { _ = try await client.encrypt("life", plaintext: [1]) }
            await expectKESError(.keyNotFound) { _ = try await client.decrypt("life", ciphertext: dek.ciphertext) }
            await expectKESError(.keyNotFound) { _ = try await client.hmac("life", message: [1]) }
        }
    }

    @Test func listFollowsContinueAtPages() async throws {
        try await withFixture { fixture in
            let client = fixture.client
            // 1001 names: the server pages at 1000, so the last one comes from a second page.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 0, to: 1001, by: 125) {
                    group.addTask {
                        for index in chunk..<min(chunk + 125, 1001) {
                            try await client.createKey(String(format: "page-%04d", index))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let names = try await client.listKeys(prefix: "page-")
            #expect(names.count == 1001)
            #expect(names.last == "page-1000")
            #expect(try await client.listKeys().count == 1001)
        }
    }

    @Test func readmeExampleGenerateThenDecrypt() async throws {
        try await withFixture { fixture in
            let client = try KESClient(endpoint: fixture.endpoint, apiKey: fixture.apiKey.text, insecure: true)
            try await client.createKey("my-key")
            let dek = try await client.generateKey("my-key")
            let plaintext = try await client.decrypt("my-key", ciphertext: dek.ciphertext)
            #expect(plaintext == dek.plaintext)
            try await client.shutdown()
        }
    }
}

extension SDKKeyTests {
    @Test func listKeysReachesEveryNameAcrossPagesWithAPrefix() async throws {
        try await withFixture { fixture in
            let client = fixture.client
            try await client.createKey("template")
            // Written straight into the fs store: thousands of creates through the API are slow.
            let keys = fixture.server.directory + "/keys/"
            let template = try Data(contentsOf: URL(fileURLWithPath: keys + "template"))
            let names = (0..<2500).flatMap { [String(format: "a-%05d", $0), String(format: "b-%05d", $0)] }
            for name in names { try template.write(to: URL(fileURLWithPath: keys + name)) }
            #expect(try await client.listKeys(prefix: "a-") == names.filter { $0.hasPrefix("a-") }.sorted())
            #expect(try await client.listKeys(prefix: "b-*") == names.filter { $0.hasPrefix("b-") }.sorted())
            #expect(try await client.listKeys() == (names + ["template"]).sorted())
        }
    }
}

import Foundation
import KESTestSupport
import Testing

/// A ciphertext one server produced and the plaintext it must decrypt to on another.
struct InteropSample: Sendable, CustomStringConvertible {
    let key: String
    /// `encrypt` or `generate`.
    let route: String
    /// Base64, nil for none.
    let context: String?
    let plaintext: String
    let ciphertext: String

    var description: String { "\(route) under '\(key)'\(context == nil ? "" : " with context")" }
}

/// Samples, and HMACs (base64) by key name, that one server produced.
struct InteropProduced: Sendable {
    var samples: [InteropSample] = []
    var hmacs: [String: String] = [:]

    /// The keys the samples are under.
    var keys: Set<String> { Set(samples.map(\.key)) }
}

struct InteropFailure: Error, CustomStringConvertible {
    let description: String
}

/// What the interop tests ask of any KES-compatible server, swift-kes or a reference KES build.
extension TestClient {
    /// The JSON answer of a call that must answer 200.
    @discardableResult
    func must(_ path: String, _ body: [String: String] = [:]) async throws -> [String: Any] {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let reply = try await post(path, text)
        guard reply.status == 200 else {
            throw InteropFailure(description: "POST \(path) answered \(reply.status): \(reply.body)")
        }
        return reply.body.isEmpty ? [:] : try reply.jsonObject()
    }

    /// Creates a key with an empty body, as KES's clients send it. (Both reference releases, and
    /// swift-kes, also accept a `{}` body here and ignore it.)
    func createKey(_ name: String) async throws {
        let reply = try await post("/v1/key/create/\(name)")
        guard reply.status == 200 else {
            throw InteropFailure(description: "POST /v1/key/create/\(name) answered \(reply.status): \(reply.body)")
        }
    }

    /// Imports 32 bytes as an AES256 key (`{"key","cipher"}`, the body both releases take).
    func importKey(_ name: String, bytes: [UInt8]) async throws {
        try await must("/v1/key/import/\(name)", ["key": Data(bytes).base64EncodedString(), "cipher": "AES256"])
    }

    /// Four ciphertexts under `key`: encrypt and generate, each without and with a context.
    func produceSamples(key: String) async throws -> [InteropSample] {
        var samples: [InteropSample] = []
        for context in [nil, Data(#"{"bucket":"bucket/\#(key)"}"#.utf8).base64EncodedString()] {
            let plaintext = Data("secret of \(key) \(context == nil ? "" : "in context")".utf8).base64EncodedString()
            var body = ["plaintext": plaintext]
            body["context"] = context
            let encrypted = try await must("/v1/key/encrypt/\(key)", body)
            samples.append(
                InteropSample(
                    key: key, route: "encrypt", context: context, plaintext: plaintext,
                    ciphertext: try #require(encrypted["ciphertext"] as? String)))

            let generated = try await must("/v1/key/generate/\(key)", context.map { ["context": $0] } ?? [:])
            samples.append(
                InteropSample(
                    key: key, route: "generate", context: context,
                    plaintext: try #require(generated["plaintext"] as? String),
                    ciphertext: try #require(generated["ciphertext"] as? String)))
        }
        return samples
    }

    /// Creates `create`, imports `imported`, and produces samples (and, with `hmac`, HMACs) under
    /// those and the `existing` keys: what one server leaves for the other to serve.
    func produce(create: String, import imported: String, existing: [String], hmac: Bool = true) async throws -> InteropProduced {
        try await createKey(create)
        try await importKey(imported, bytes: InteropBytes.importedKey)
        var produced = InteropProduced()
        for name in existing + [create, imported] {
            produced.samples += try await produceSamples(key: name)
            if hmac { produced.hmacs[name] = try await self.hmac(key: name) }
        }
        return produced
    }

    /// Decrypts every sample of `produced` and checks its HMACs.
    func expectServes(_ produced: InteropProduced, on server: String) async throws {
        try await expectDecrypts(produced.samples, on: server)
        for (name, hmac) in produced.hmacs {
            #expect(try await self.hmac(key: name) == hmac, "\(server): HMAC under '\(name)'")
        }
    }

    /// Decrypts `sample` with its own context, or with `context` instead when given.
    func decrypt(_ sample: InteropSample, context: String? = nil) async throws -> Reply {
        var body = ["ciphertext": sample.ciphertext]
        body["context"] = context ?? sample.context
        return try await post(
            "/v1/key/decrypt/\(sample.key)", String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    /// Records an issue for every sample that does not decrypt to its plaintext, and for every
    /// sample that still decrypts under a wrong context.
    func expectDecrypts(_ samples: [InteropSample], on server: String) async throws {
        for sample in samples {
            let reply = try await decrypt(sample)
            #expect(reply.status == 200, "\(server): \(sample): \(reply.status) \(reply.body)")
            #expect(try reply.jsonObject()["plaintext"] as? String == sample.plaintext, "\(server): \(sample)")
            let forged = try await decrypt(sample, context: Data("other".utf8).base64EncodedString())
            #expect(forged.status == 400, "\(server): \(sample) under a wrong context: \(forged.status) \(forged.body)")
        }
    }

    /// The key names, from either list format: KES 2023 streams `{"name":…}` lines, later
    /// releases answer `{"names":[…]}`.
    func keyNames() async throws -> Set<String> {
        let reply = try await get("/v1/key/list/*")
        guard reply.status == 200 else { throw InteropFailure(description: "key list answered \(reply.status): \(reply.body)") }
        if let names = (try? reply.jsonObject())?["names"] as? [String] { return Set(names) }
        var names: Set<String> = []
        for line in reply.body.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let name = object?["name"] as? String { names.insert(name) }
        }
        return names
    }

    /// HMAC-SHA256 of a fixed message under `key`'s HMAC key, base64.
    func hmac(key: String) async throws -> String {
        let answer = try await must("/v1/key/hmac/\(key)", ["message": Data("interop message".utf8).base64EncodedString()])
        return try #require(answer["hmac"] as? String)
    }
}

enum InteropBytes {
    /// 32 fixed bytes to import: 0x40, 0x41, … 0x5f.
    static let importedKey: [UInt8] = Array(0x40...0x5f)

    /// Whether a ciphertext (base64) is format B, the MessagePack array KES 2023 writes.
    static func isMessagePack(_ ciphertext: String) -> Bool {
        Data(base64Encoded: ciphertext)?.first == 0x95
    }
}

import Foundation
import KESCore

extension KESClient {
    /// Creates a new random key named `name`.
    /// - Throws: ``KESError/keyExists``.
    public func createKey(_ name: String) async throws {
        _ = try await send(.POST, "/v1/key/create/" + Self.escape(name))
    }

    /// Imports 32 key bytes under `name`.
    /// - Parameter algorithm: `AES256` (default) or `ChaCha20`.
    /// - Throws: ``KESError/keyExists``.
    public func importKey(_ name: String, key: [UInt8], algorithm: String = "AES256") async throws {
        let body = ["key": Base64.encode(key), "cipher": algorithm]
        _ = try await send(.POST, "/v1/key/import/" + Self.escape(name), body: try Self.json(body))
    }

    /// Describes a key without revealing it.
    /// - Throws: ``KESError/keyNotFound``.
    public func describeKey(_ name: String) async throws -> KeyInfo {
        var info = try await sendJSON(.GET, "/v1/key/describe/" + Self.escape(name), as: KeyInfo.self)
        if info.name.isEmpty { info.name = name }
        return info
    }

    /// Deletes a key. Ciphertexts made with it can never be decrypted again.
    /// - Throws: ``KESError/keyNotFound``.
    public func deleteKey(_ name: String) async throws {
        _ = try await send(.DELETE, "/v1/key/delete/" + Self.escape(name))
    }

    /// The names of all keys starting with `prefix` (a trailing `*` is allowed; empty or `*` lists all),
    /// sorted. Pages are followed through `continue_at`.
    public func listKeys(prefix: String = "") async throws -> [String] {
        try await listAll("/v1/key/list/", prefix: prefix)
    }

    /// Generates a data-encryption key: 32 random bytes and the same bytes sealed by `name`.
    /// - Parameter context: associated data that decryption must present again.
    /// - Throws: ``KESError/keyNotFound``.
    public func generateKey(_ name: String, context: [UInt8] = []) async throws -> DataKey {
        var body: [String: String] = [:]
        if !context.isEmpty { body["context"] = Base64.encode(context) }
        return try await sendJSON(.POST, "/v1/key/generate/" + Self.escape(name), body: body, as: DataKey.self)
    }

    /// Encrypts `plaintext` with the key `name`.
    /// - Throws: ``KESError/keyNotFound``.
    public func encrypt(_ name: String, plaintext: [UInt8], context: [UInt8] = []) async throws -> [UInt8] {
        var body = ["plaintext": Base64.encode(plaintext)]
        if !context.isEmpty { body["context"] = Base64.encode(context) }
        return try await sendJSON(.POST, "/v1/key/encrypt/" + Self.escape(name), body: body, as: CiphertextWire.self)
            .ciphertext.bytes
    }

    /// Decrypts a ciphertext made by `encrypt` or `generateKey` with the key `name`.
    /// - Throws: ``KESError/notAuthentic`` for a wrong key, a wrong context or damaged bytes;
    ///   ``KESError/keyNotFound``.
    public func decrypt(_ name: String, ciphertext: [UInt8], context: [UInt8] = []) async throws -> [UInt8] {
        var body = ["ciphertext": Base64.encode(ciphertext)]
        if !context.isEmpty { body["context"] = Base64.encode(context) }
        return try await sendJSON(.POST, "/v1/key/decrypt/" + Self.escape(name), body: body, as: PlaintextWire.self)
            .plaintext.bytes
    }

    /// The HMAC-SHA256 of `message` under the key's own HMAC key (32 bytes).
    /// - Throws: ``KESError/keyNotFound``; ``KESError/notImplemented`` on servers without HMAC.
    public func hmac(_ name: String, message: [UInt8]) async throws -> [UInt8] {
        try await sendJSON(.POST, "/v1/key/hmac/" + Self.escape(name), body: ["message": Base64.encode(message)], as: HMACWire.self)
            .hmac.bytes
    }

    static func json(_ object: [String: String]) throws -> [UInt8] {
        Array(try JSONEncoder.kes.encode(object))
    }

    /// Follows `continue_at` until the last page, sending it back as the list argument as Go clients do.
    /// A swift-kes server answers a continuation token there and lists the next page. A KES server answers
    /// the next page's first name and reads it back as a prefix, so the names after it that do not start
    /// with it are out of reach: they are filtered out here, and a page that brings nothing new ends the walk.
    func listAll(_ route: String, prefix: String) async throws -> [String] {
        let wanted = prefix.hasSuffix("*") ? String(prefix.dropLast()) : prefix
        var names: [String] = []
        var seen = Set<String>()
        var next = prefix
        while true {
            let page = try await sendJSON(.GET, route + Self.escape(next), as: ListPageWire.self)
            var added = false
            for name in page.names where name.hasPrefix(wanted) && seen.insert(name).inserted {
                names.append(name)
                added = true
            }
            if page.continueAt.isEmpty || page.continueAt == next || !added { break }
            next = page.continueAt
        }
        return names.sorted()
    }
}

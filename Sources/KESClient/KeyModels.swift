import Foundation

/// `GET /v1/key/describe/<name>`.
public struct KeyInfo: Codable, Sendable, Equatable {
    public var name: String
    /// The key ID KES writes into every ciphertext.
    public var id: String
    /// `AES256` or `ChaCha20`. KES omits it for AES256 keys.
    public var algorithm: String
    public var createdAt: Date?
    /// The identity that created the key; empty if unknown.
    public var createdBy: String

    enum CodingKeys: String, CodingKey {
        case name, id, algorithm, createdAt = "created_at", createdBy = "created_by"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        algorithm = try c.decodeIfPresent(String.self, forKey: .algorithm) ?? "AES256"
        createdAt = try c.decodeIfPresent(Date.self, forKey: .createdAt)
        createdBy = try c.decodeIfPresent(String.self, forKey: .createdBy) ?? ""
    }
}

/// A data-encryption key from `generate`: use `plaintext`, store `ciphertext`, and ask
/// the server to decrypt `ciphertext` when the key is needed again.
public struct DataKey: Codable, Sendable, Equatable {
    /// 32 random bytes.
    public var plaintext: [UInt8]
    /// `plaintext` sealed by the master key.
    public var ciphertext: [UInt8]

    public init(plaintext: [UInt8], ciphertext: [UInt8]) {
        self.plaintext = plaintext
        self.ciphertext = ciphertext
    }

    enum CodingKeys: String, CodingKey { case plaintext, ciphertext }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        plaintext = try c.decode(Base64Bytes.self, forKey: .plaintext).bytes
        ciphertext = try c.decode(Base64Bytes.self, forKey: .ciphertext).bytes
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Base64Bytes(plaintext), forKey: .plaintext)
        try c.encode(Base64Bytes(ciphertext), forKey: .ciphertext)
    }
}

/// `{"names":[…],"continue_at":"…"}`, or `identities` for the identity list.
struct ListPageWire: Decodable {
    var names: [String]
    var continueAt: String

    enum CodingKeys: String, CodingKey { case names, identities, continueAt = "continue_at" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        names = try c.decodeIfPresent([String].self, forKey: .names)
            ?? c.decodeIfPresent([String].self, forKey: .identities) ?? []
        continueAt = try c.decodeIfPresent(String.self, forKey: .continueAt) ?? ""
    }
}

struct CiphertextWire: Decodable { var ciphertext: Base64Bytes }
struct PlaintextWire: Decodable { var plaintext: Base64Bytes }
struct HMACWire: Decodable { var hmac: Base64Bytes }

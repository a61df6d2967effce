/// What a key store holds for one key name (docs/formats.md, "Stored keys").
public struct StoredKey: Sendable, Hashable {
    public var secret: SecretKey
    /// nil for keys read from the 2023 JSON format, which has no HMAC key.
    public var hmacKey: HMACKey?
    public var createdAt: Timestamp
    /// The identity that created the key; empty if unknown.
    public var createdBy: String

    public init(secret: SecretKey, hmacKey: HMACKey?, createdAt: Timestamp, createdBy: String) {
        self.secret = secret
        self.hmacKey = hmacKey
        self.createdAt = createdAt
        self.createdBy = createdBy
    }

    /// A new random key with its own random HMAC key.
    public static func generate(_ algorithm: KeyAlgorithm, createdBy: String, at: Timestamp = .now()) -> StoredKey {
        StoredKey(secret: .random(algorithm), hmacKey: .random(), createdAt: at, createdBy: createdBy)
    }

    /// Reads both the 2023 JSON text and the base64(protobuf KeyVersion) text.
    /// Anything else throws.
    public init(parsing value: [UInt8]) throws(KeyFormatError) {
        // A key file may end with a newline if someone wrote it by hand.
        guard let first = value.firstIndex(where: { !Self.isWhitespace($0) }),
              let last = value.lastIndex(where: { !Self.isWhitespace($0) })
        else { throw KeyFormatError(reason: "invalid key: empty value") }
        if value[first] == UInt8(ascii: "{") {
            self = try Self.parseJSON(value)
        } else {
            guard let protobuf = Base64.decode(value[first...last]) else {
                throw KeyFormatError(reason: "invalid key: neither JSON nor base64")
            }
            self = try Self.parseProtobuf(protobuf)
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }
}

extension StoredKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "StoredKey(\(secret), hmac: \(hmacKey != nil), createdAt: \(createdAt.rfc3339), createdBy: \(createdBy))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["secret": secret, "hasHMACKey": hmacKey != nil,
                                "createdAt": createdAt, "createdBy": createdBy])
    }
}

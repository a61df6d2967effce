/// The current KES stored-key format: base64(protobuf KeyVersion) (docs/formats.md, "Stored keys").
///
///     message SecretKey  { bytes Key = 1; uint32 Type = 2; }   // 1 = AES256, 2 = ChaCha20
///     message HMACKey    { bytes Key = 1; uint32 Hash = 2; }   // 1 = SHA256
///     message KeyVersion { SecretKey Key = 1; HMACKey HMACKey = 2;
///                          google.protobuf.Timestamp CreatedAt = 3; string CreatedBy = 4; }
extension StoredKey {
    private enum SecretKeyType {
        static let aes256: UInt64 = 1
        static let chacha20: UInt64 = 2
    }

    private static let sha256HashType: UInt64 = 1

    /// The current KES format: standard padded base64 text of the protobuf KeyVersion.
    public func encoded() -> [UInt8] {
        Base64.encodeBytes(protobufEncoded())
    }

    /// The protobuf KeyVersion bytes, before base64.
    public func protobufEncoded() -> [UInt8] {
        var writer = ProtobufWriter(capacity: 128 + createdBy.utf8.count)
        writer.writeMessage(field: 1) { key in
            key.writeBytes(field: 1, secret.bytes)
            key.writeUInt32(field: 2, UInt32(secret.algorithm == .aes256 ? SecretKeyType.aes256 : SecretKeyType.chacha20))
        }
        if let hmacKey {
            writer.writeMessage(field: 2) { hmac in
                hmac.writeBytes(field: 1, hmacKey.bytes)
                hmac.writeUInt32(field: 2, UInt32(Self.sha256HashType))
            }
        }
        writer.writeMessage(field: 3) { timestamp in
            timestamp.writeInt64(field: 1, createdAt.seconds)
            timestamp.writeInt64(field: 2, Int64(createdAt.nanoseconds))
        }
        writer.writeString(field: 4, createdBy)
        return writer.bytes
    }

    /// Parses protobuf KeyVersion bytes. Unknown fields are skipped; repeated sub-messages merge,
    /// as proto3 decoders do.
    public static func parseProtobuf(_ bytes: [UInt8]) throws(KeyFormatError) -> StoredKey {
        var keyBytes: [UInt8] = []
        var keyType: UInt64 = 0
        var hmacBytes: [UInt8] = []
        var hmacHash: UInt64 = 0
        var hasHMACKey = false
        var seconds: Int64 = 0
        var nanos: Int32 = 0
        var createdBy = ""

        do {
            var reader = ProtobufReader(bytes[...])
            while let field = try reader.next() {
                switch (field.number, field.value) {
                case (1, .lengthDelimited(let message)):
                    var nested = ProtobufReader(message)
                    while let inner = try nested.next() {
                        switch (inner.number, inner.value) {
                        case (1, .lengthDelimited(let value)): keyBytes = Array(value)
                        case (2, .varint(let value)): keyType = UInt64(UInt32(truncatingIfNeeded: value))
                        default: break
                        }
                    }
                case (2, .lengthDelimited(let message)):
                    hasHMACKey = true
                    var nested = ProtobufReader(message)
                    while let inner = try nested.next() {
                        switch (inner.number, inner.value) {
                        case (1, .lengthDelimited(let value)): hmacBytes = Array(value)
                        case (2, .varint(let value)): hmacHash = UInt64(UInt32(truncatingIfNeeded: value))
                        default: break
                        }
                    }
                case (3, .lengthDelimited(let message)):
                    var nested = ProtobufReader(message)
                    while let inner = try nested.next() {
                        switch (inner.number, inner.value) {
                        case (1, .varint(let value)): seconds = Int64(bitPattern: value)
                        case (2, .varint(let value)): nanos = Int32(truncatingIfNeeded: value)
                        default: break
                        }
                    }
                case (4, .lengthDelimited(let value)):
                    guard let text = String(validating: value, as: UTF8.self) else {
                        throw KeyFormatError(reason: "invalid key: created_by is not valid UTF-8")
                    }
                    createdBy = text
                default:
                    break
                }
            }
        } catch let error as KeyFormatError {
            throw error
        } catch {
            throw KeyFormatError(reason: "invalid key: malformed protobuf")
        }

        let algorithm: KeyAlgorithm
        switch keyType {
        case SecretKeyType.aes256: algorithm = .aes256
        case SecretKeyType.chacha20: algorithm = .chacha20
        default: throw KeyFormatError(reason: "invalid key: unknown key type \(keyType)")
        }
        let secret = try SecretKey(bytes: keyBytes, algorithm: algorithm)

        var hmacKey: HMACKey?
        if hasHMACKey {
            guard hmacHash == sha256HashType else {
                throw KeyFormatError(reason: "invalid key: unknown HMAC hash \(hmacHash)")
            }
            hmacKey = try HMACKey(bytes: hmacBytes)
        }
        return StoredKey(secret: secret, hmacKey: hmacKey,
                         createdAt: Timestamp(seconds: seconds, nanoseconds: nanos), createdBy: createdBy)
    }
}

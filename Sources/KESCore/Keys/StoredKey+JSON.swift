/// The 2023 stored-key format: a JSON object (docs/formats.md, "Stored keys").
extension StoredKey {
    /// The 2023 JSON format, field order version, bytes, algorithm (omitted for AES256),
    /// created_at, created_by (omitted if empty), byte-identical to what KES 2023 writes.
    public func encodedJSON() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(160 + createdBy.utf8.count)
        out.append(contentsOf: #"{"version":"v1","bytes":""#.utf8)
        out.append(contentsOf: Base64.encodeBytes(secret.bytes))
        out.append(UInt8(ascii: "\""))
        if secret.algorithm != .aes256 {
            out.append(contentsOf: #","algorithm":"#.utf8)
            JSONStringWriter.append(secret.algorithm.name, to: &out)
        }
        out.append(contentsOf: #","created_at":"#.utf8)
        JSONStringWriter.append(createdAt.rfc3339, to: &out)
        if !createdBy.isEmpty {
            out.append(contentsOf: #","created_by":"#.utf8)
            JSONStringWriter.append(createdBy, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Parses the 2023 JSON text. Such keys have no HMAC key.
    public static func parseJSON(_ bytes: [UInt8]) throws(KeyFormatError) -> StoredKey {
        guard let object = JSONObjectFields(parsing: bytes) else {
            throw KeyFormatError(reason: "invalid key: malformed JSON")
        }

        // Go cannot tell an empty version from a missing one, so both mean "v1".
        let version = try optionalString("version", in: object) ?? ""
        guard version.isEmpty || version == "v1" else {
            throw KeyFormatError(reason: "invalid key: unsupported version")
        }

        guard let encodedKey = try optionalString("bytes", in: object),
              let keyBytes = Base64.decode(encodedKey)
        else { throw KeyFormatError(reason: "invalid key: bytes are not valid base64") }

        // Without an `algorithm` the key seals with AES256 but opens either cipher: the KES
        // releases that wrote such keys did not tie a key to one algorithm.
        var algorithm = KeyAlgorithm.aes256
        var algorithmIsStored = false
        if let name = try optionalString("algorithm", in: object) {
            guard let parsed = KeyAlgorithm(name: name) else {
                throw KeyFormatError(reason: "invalid key: unknown algorithm")
            }
            algorithm = parsed
            algorithmIsStored = true
        }

        var createdAt = Timestamp.zero
        if let text = try optionalString("created_at", in: object) {
            guard let parsed = Timestamp(rfc3339: text) else {
                throw KeyFormatError(reason: "invalid key: created_at is not an RFC 3339 time")
            }
            createdAt = parsed
        }

        let createdBy = try optionalString("created_by", in: object) ?? ""
        return StoredKey(secret: try SecretKey(bytes: keyBytes, algorithm: algorithm, algorithmIsStored: algorithmIsStored),
                         hmacKey: nil, createdAt: createdAt, createdBy: createdBy)
    }

    /// A string member; nil when absent or null (Go leaves the field untouched then).
    private static func optionalString(_ name: String, in object: JSONObjectFields) throws(KeyFormatError) -> String? {
        switch object.value(for: name) {
        case nil, .null?: return nil
        case .string(let value)?: return value
        case .other?: throw KeyFormatError(reason: "invalid key: \(name) must be a string")
        }
    }
}

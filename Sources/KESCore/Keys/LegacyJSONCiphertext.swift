/// Format A: the JSON ciphertext KES wrote up to v0.19 (docs/formats.md, "Ciphertexts").
enum LegacyJSONCiphertext {
    /// Parses `{"aead":…,"id":…,"iv":…,"nonce":…,"bytes":…}`; nil on any deviation, including
    /// the obsolete `AES-256-GCM` scheme and wrong iv/nonce sizes.
    static func decode(_ bytes: [UInt8]) -> Ciphertext? {
        guard let object = JSONObjectFields(parsing: bytes),
              case .string(let aead)? = object.value(for: "aead"),
              let algorithm = KeyAlgorithm(legacyAEADName: aead),
              let iv = base64Field("iv", in: object), iv.count == Ciphertext.ivSize,
              let nonce = base64Field("nonce", in: object), nonce.count == Ciphertext.nonceSize,
              let sealed = base64Field("bytes", in: object)
        else { return nil }
        if let id = object.value(for: "id") {
            // Go would reject a non-string id while decoding, even though it is never checked.
            switch id {
            case .string, .null: break
            case .other: return nil
            }
        }
        return Ciphertext(algorithm: algorithm, iv: iv, nonce: nonce, sealed: sealed)
    }

    /// Encodes format A; useful to produce fixtures for older clients and tests.
    static func encode(algorithm: KeyAlgorithm, keyID: String, iv: [UInt8], nonce: [UInt8], sealed: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(96 + (iv.count + nonce.count + sealed.count) * 4 / 3)
        out.append(contentsOf: #"{"aead":"#.utf8)
        JSONStringWriter.append(algorithm.legacyAEADName, to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        JSONStringWriter.append(keyID, to: &out)
        out.append(contentsOf: #","iv":""#.utf8)
        out.append(contentsOf: Base64.encodeBytes(iv))
        out.append(contentsOf: #"","nonce":""#.utf8)
        out.append(contentsOf: Base64.encodeBytes(nonce))
        out.append(contentsOf: #"","bytes":""#.utf8)
        out.append(contentsOf: Base64.encodeBytes(sealed))
        out.append(contentsOf: #""}"#.utf8)
        return out
    }

    private static func base64Field(_ name: String, in object: JSONObjectFields) -> [UInt8]? {
        guard case .string(let text)? = object.value(for: name) else { return nil }
        return Base64.decode(text)
    }
}

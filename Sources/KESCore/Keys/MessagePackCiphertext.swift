/// Format B: a MessagePack array `[algorithm, keyID, iv, nonce, sealed]` (docs/formats.md, "Ciphertexts").
///
/// Only this one shape is supported, so a hand-written codec is both smaller and faster than a
/// general MessagePack library.
enum MessagePackCiphertext {
    /// Encodes with the shortest MessagePack forms, byte-identical to KES.
    static func encode(algorithm: KeyAlgorithm, keyID: String, iv: [UInt8], nonce: [UInt8], sealed: [UInt8]) -> [UInt8] {
        let name = algorithm.name.utf8
        let id = keyID.utf8
        var out = [UInt8]()
        out.reserveCapacity(1 + 5 + name.count + 5 + id.count + 2 + iv.count + 2 + nonce.count + 5 + sealed.count)
        out.append(0x95)
        appendString(name, to: &out)
        appendString(id, to: &out)
        appendBinary(iv, to: &out)
        appendBinary(nonce, to: &out)
        appendBinary(sealed, to: &out)
        return out
    }

    /// Decodes strictly: exactly five elements, two strings, a 16-byte and a 12-byte binary, a
    /// binary payload and nothing after it. An unknown algorithm name also yields nil.
    static func decode(_ bytes: [UInt8]) -> Ciphertext? {
        var reader = Reader(bytes: bytes)
        guard reader.readByte() == 0x95,
              let nameRange = reader.readStringRange(),
              reader.readStringRange() != nil,  // the key ID is informational only
              let iv = reader.readBinary(), iv.count == Ciphertext.ivSize,
              let nonce = reader.readBinary(), nonce.count == Ciphertext.nonceSize,
              let sealed = reader.readBinary(),
              reader.isAtEnd,
              let algorithm = KeyAlgorithm(name: String(decoding: bytes[nameRange], as: UTF8.self))
        else { return nil }
        return Ciphertext(algorithm: algorithm, iv: iv, nonce: nonce, sealed: sealed)
    }

    private static func appendString(_ utf8: String.UTF8View, to out: inout [UInt8]) {
        let count = utf8.count
        switch count {
        case ..<32: out.append(0xA0 | UInt8(count))
        case ..<0x100: out.append(0xD9); appendLength(count, byteCount: 1, to: &out)
        case ..<0x1_0000: out.append(0xDA); appendLength(count, byteCount: 2, to: &out)
        default: out.append(0xDB); appendLength(count, byteCount: 4, to: &out)
        }
        out.append(contentsOf: utf8)
    }

    private static func appendBinary(_ bytes: [UInt8], to out: inout [UInt8]) {
        let count = bytes.count
        switch count {
        case ..<0x100: out.append(0xC4); appendLength(count, byteCount: 1, to: &out)
        case ..<0x1_0000: out.append(0xC5); appendLength(count, byteCount: 2, to: &out)
        default: out.append(0xC6); appendLength(count, byteCount: 4, to: &out)
        }
        out.append(contentsOf: bytes)
    }

    private static func appendLength(_ length: Int, byteCount: Int, to out: inout [UInt8]) {
        for shift in stride(from: (byteCount - 1) * 8, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: length >> shift))
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var isAtEnd: Bool { offset == bytes.count }

        mutating func readByte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func readLength(byteCount: Int) -> Int? {
            guard bytes.count - offset >= byteCount else { return nil }
            var length = 0
            for _ in 0..<byteCount {
                length = length << 8 | Int(bytes[offset])
                offset += 1
            }
            return length
        }

        mutating func readRange(count: Int) -> Range<Int>? {
            guard count <= bytes.count - offset else { return nil }
            defer { offset += count }
            return offset..<(offset + count)
        }

        /// fixstr, str8, str16 or str32.
        mutating func readStringRange() -> Range<Int>? {
            guard let marker = readByte() else { return nil }
            let length: Int?
            switch marker {
            case 0xA0...0xBF: length = Int(marker & 0x1F)
            case 0xD9: length = readLength(byteCount: 1)
            case 0xDA: length = readLength(byteCount: 2)
            case 0xDB: length = readLength(byteCount: 4)
            default: return nil
            }
            guard let length else { return nil }
            return readRange(count: length)
        }

        /// bin8, bin16 or bin32.
        mutating func readBinary() -> [UInt8]? {
            guard let marker = readByte() else { return nil }
            let length: Int?
            switch marker {
            case 0xC4: length = readLength(byteCount: 1)
            case 0xC5: length = readLength(byteCount: 2)
            case 0xC6: length = readLength(byteCount: 4)
            default: return nil
            }
            guard let length, let range = readRange(count: length) else { return nil }
            return Array(bytes[range])
        }
    }
}

/// The parts of a sealed message, whichever wire format carried them (docs/formats.md, "Ciphertexts").
struct Ciphertext: Sendable, Equatable {
    /// The scheme named inside the ciphertext; nil for format C, which names none.
    var algorithm: KeyAlgorithm?
    var iv: [UInt8]
    var nonce: [UInt8]
    /// AEAD output: encrypted bytes followed by the 16-byte tag.
    var sealed: [UInt8]

    static let ivSize = 16
    static let nonceSize = 12
    static let tagSize = 16

    /// Detects and parses formats A, B and C as later KES releases do: input that starts
    /// like B (`0x95`) or A (`{`) and parses as such is taken as that format; anything else is
    /// raw format C. Returns nil when nothing fits.
    static func parse(_ bytes: [UInt8]) -> Ciphertext? {
        guard let first = bytes.first else { return nil }
        if first == 0x95, let parsed = MessagePackCiphertext.decode(bytes) {
            return parsed
        }
        if first == UInt8(ascii: "{"), let parsed = LegacyJSONCiphertext.decode(bytes) {
            return parsed
        }
        return parseRaw(bytes)
    }

    /// Format C: `sealed ‖ iv(16) ‖ nonce(12)`.
    static func parseRaw(_ bytes: [UInt8]) -> Ciphertext? {
        let trailerSize = ivSize + nonceSize
        guard bytes.count > trailerSize else { return nil }
        let sealedEnd = bytes.count - trailerSize
        return Ciphertext(
            algorithm: nil,
            iv: Array(bytes[sealedEnd..<(sealedEnd + ivSize)]),
            nonce: Array(bytes[(sealedEnd + ivSize)...]),
            sealed: Array(bytes[..<sealedEnd]))
    }

    /// Format C encoding, for interoperating with KES releases from 2024-02-29 on.
    func rawEncoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(sealed.count + iv.count + nonce.count)
        out.append(contentsOf: sealed)
        out.append(contentsOf: iv)
        out.append(contentsOf: nonce)
        return out
    }
}

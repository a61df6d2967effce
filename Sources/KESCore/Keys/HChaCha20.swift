/// HChaCha20 (draft-irtf-cfrg-xchacha, section 2.2): derives a 32-byte subkey from a 32-byte key and a
/// 16-byte input. KES uses it to turn a ChaCha20 master key and a ciphertext's `iv` into the
/// per-message key (docs/formats.md, "Key derivation"); swift-crypto does not expose it, hence this version.
public enum HChaCha20 {
    /// Returns the 32-byte subkey. `key` must be 32 bytes and `input` 16 bytes.
    public static func derive(key: [UInt8], input: [UInt8]) -> [UInt8] {
        precondition(key.count == 32 && input.count == 16, "HChaCha20 needs a 32-byte key and a 16-byte input")

        func word(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
            UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
        }

        // "expand 32-byte k"
        var x0: UInt32 = 0x6170_7865, x1: UInt32 = 0x3320_646E
        var x2: UInt32 = 0x7962_2D32, x3: UInt32 = 0x6B20_6574
        var x4 = word(key, 0), x5 = word(key, 4), x6 = word(key, 8), x7 = word(key, 12)
        var x8 = word(key, 16), x9 = word(key, 20), x10 = word(key, 24), x11 = word(key, 28)
        var x12 = word(input, 0), x13 = word(input, 4), x14 = word(input, 8), x15 = word(input, 12)

        for _ in 0..<10 {
            quarterRound(&x0, &x4, &x8, &x12)
            quarterRound(&x1, &x5, &x9, &x13)
            quarterRound(&x2, &x6, &x10, &x14)
            quarterRound(&x3, &x7, &x11, &x15)
            quarterRound(&x0, &x5, &x10, &x15)
            quarterRound(&x1, &x6, &x11, &x12)
            quarterRound(&x2, &x7, &x8, &x13)
            quarterRound(&x3, &x4, &x9, &x14)
        }

        // Unlike the ChaCha20 block function there is no feed-forward addition.
        var out = [UInt8]()
        out.reserveCapacity(32)
        for value in [x0, x1, x2, x3, x12, x13, x14, x15] {
            out.append(UInt8(truncatingIfNeeded: value))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
            out.append(UInt8(truncatingIfNeeded: value >> 16))
            out.append(UInt8(truncatingIfNeeded: value >> 24))
        }
        return out
    }

    @inline(__always)
    private static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = d << 16 | d >> 16
        c &+= d; b ^= c; b = b << 12 | b >> 20
        a &+= b; d ^= a; d = d << 8 | d >> 24
        c &+= d; b ^= c; b = b << 7 | b >> 25
    }
}

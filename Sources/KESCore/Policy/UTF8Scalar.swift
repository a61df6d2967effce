/// Decodes one UTF-8 scalar the way Go's `utf8.DecodeRune` does: malformed input yields U+FFFD with width 1.
enum UTF8Scalar {
    static let replacement: UInt32 = 0xFFFD

    @inline(__always)
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (scalar: UInt32, width: Int) {
        let lead = bytes[index]
        if lead < 0x80 { return (UInt32(lead), 1) }
        let width: Int
        var scalar: UInt32
        // Second-byte bounds exclude overlong forms, surrogates and values above U+10FFFF.
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF:
            width = 2; scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF:
            width = 3; scalar = UInt32(lead & 0x0F)
            if lead == 0xE0 { secondLow = 0xA0 }
            if lead == 0xED { secondHigh = 0x9F }
        case 0xF0...0xF4:
            width = 4; scalar = UInt32(lead & 0x07)
            if lead == 0xF0 { secondLow = 0x90 }
            if lead == 0xF4 { secondHigh = 0x8F }
        default:
            return (replacement, 1)
        }
        guard index + width <= bytes.count else { return (replacement, 1) }
        for offset in 1..<width {
            let byte = bytes[index + offset]
            let low = offset == 1 ? secondLow : 0x80
            let high = offset == 1 ? secondHigh : 0xBF
            guard byte >= low && byte <= high else { return (replacement, 1) }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        return (scalar, width)
    }
}

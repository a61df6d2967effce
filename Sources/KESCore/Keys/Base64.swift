/// Standard padded base64 (RFC 4648, section 4) on byte arrays, without Foundation round trips.
public enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let invalid: UInt8 = 0xFF
    private static let skipped: UInt8 = 0xFE

    /// Maps an ASCII byte to its 6-bit value; CR and LF are skipped as Go's decoder does.
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        table[Int(UInt8(ascii: "\r"))] = skipped
        table[Int(UInt8(ascii: "\n"))] = skipped
        return table
    }()

    /// Encodes as padded base64 text bytes.
    public static func encodeBytes(_ input: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        encode(input, appendingTo: &out)
        return out
    }

    /// Appends the padded base64 text of `input` to `out`, so JSON responses can be
    /// written without an intermediate string.
    public static func encode(_ input: some Collection<UInt8>, appendingTo out: inout [UInt8]) {
        // Generic code is not specialized across modules; contiguous input takes the fast path.
        if let done: Void = input.withContiguousStorageIfAvailable({ encode(buffer: $0, appendingTo: &out) }) {
            return done
        }
        out.reserveCapacity(out.count + (input.count + 2) / 3 * 4)
        var iterator = input.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            let chunk = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
            out.append(second == nil ? UInt8(ascii: "=") : alphabet[Int(chunk >> 6 & 0x3F)])
            out.append(third == nil ? UInt8(ascii: "=") : alphabet[Int(chunk & 0x3F)])
        }
    }

    private static func encode(buffer input: UnsafeBufferPointer<UInt8>, appendingTo out: inout [UInt8]) {
        let start = out.count
        let length = (input.count + 2) / 3 * 4
        out.append(contentsOf: repeatElement(0, count: length))
        alphabet.withUnsafeBufferPointer { table in
            out.withUnsafeMutableBufferPointer { output in
                var o = start
                var i = 0
                while i + 3 <= input.count {
                    let chunk = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                    output[o] = table[Int(chunk >> 18 & 0x3F)]
                    output[o + 1] = table[Int(chunk >> 12 & 0x3F)]
                    output[o + 2] = table[Int(chunk >> 6 & 0x3F)]
                    output[o + 3] = table[Int(chunk & 0x3F)]
                    i += 3
                    o += 4
                }
                let rest = input.count - i
                if rest > 0 {
                    let chunk = UInt32(input[i]) << 16 | (rest == 2 ? UInt32(input[i + 1]) << 8 : 0)
                    output[o] = table[Int(chunk >> 18 & 0x3F)]
                    output[o + 1] = table[Int(chunk >> 12 & 0x3F)]
                    output[o + 2] = rest == 2 ? table[Int(chunk >> 6 & 0x3F)] : UInt8(ascii: "=")
                    output[o + 3] = UInt8(ascii: "=")
                }
            }
        }
    }

    public static func encode(_ input: some Collection<UInt8>) -> String {
        String(decoding: encodeBytes(input), as: UTF8.self)
    }

    /// Decodes padded base64; nil if the text is not valid. CR/LF are ignored.
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        // Generic iteration is not specialized across modules; decode from contiguous bytes.
        if let result = text.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return result }
        return Array(text).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    private static func decode(buffer text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var valid = true
        // Written straight into uninitialized storage: a capacity check per appended byte
        // made decoding three times slower than Foundation's.
        let out = [UInt8](unsafeUninitializedCapacity: text.count / 4 * 3 + 3) { buffer, count in
            var written = 0
            var quantum: UInt32 = 0
            var filled = 0
            var padding = 0
            reverse.withUnsafeBufferPointer { table in
                for character in text {
                    let value = table[Int(character)]
                    if value == skipped { continue }
                    if character == UInt8(ascii: "=") {
                        // Padding may only complete the last quantum, after at least two symbols.
                        guard filled + padding >= 2, filled + padding < 4 else { valid = false; return }
                        padding += 1
                        continue
                    }
                    guard value != invalid, padding == 0 else { valid = false; return }
                    quantum = quantum << 6 | UInt32(value)
                    filled += 1
                    if filled == 4 {
                        buffer[written] = UInt8(truncatingIfNeeded: quantum >> 16)
                        buffer[written + 1] = UInt8(truncatingIfNeeded: quantum >> 8)
                        buffer[written + 2] = UInt8(truncatingIfNeeded: quantum)
                        written += 3
                        quantum = 0
                        filled = 0
                    }
                }
                switch (filled, padding) {
                case (0, 0):
                    break
                case (2, 2):
                    buffer[written] = UInt8(truncatingIfNeeded: quantum >> 4)
                    written += 1
                case (3, 1):
                    buffer[written] = UInt8(truncatingIfNeeded: quantum >> 10)
                    buffer[written + 1] = UInt8(truncatingIfNeeded: quantum >> 2)
                    written += 2
                default:
                    valid = false
                }
            }
            count = written
        }
        return valid ? out : nil
    }

    /// Decodes padded base64 text; nil if it is not valid.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(buffer: $0) }
    }
}

import Foundation
import KESCore

/// The flat JSON objects KES clients send (`{"plaintext":"…","context":"…"}`), read the
/// way Go's encoding/json reads them: field names match case-insensitively, unknown
/// fields are ignored, `null` means absent, and byte fields are standard padded base64.
///
/// Hand-written because the request bodies are on every request's hot path and need
/// Go's case-insensitive matching, which JSONDecoder does not offer.
struct JSONBody {
    enum Value {
        case string(String)
        case null
        case other
    }

    private(set) var fields: [(name: String, value: Value)] = []

    struct SyntaxError: Error {
        let message: String
    }

    /// An empty body reads as `{}` (current KES accepts it).
    init(_ bytes: [UInt8]) throws(SyntaxError) {
        var reader = Reader(bytes: bytes)
        reader.skipSpace()
        if reader.atEnd { return }
        guard reader.peek == UInt8(ascii: "{") else { throw SyntaxError(message: "request body is not a JSON object") }
        reader.index += 1
        reader.skipSpace()
        if reader.peek == UInt8(ascii: "}") { return }
        while true {
            reader.skipSpace()
            let name = try reader.readString()
            reader.skipSpace()
            try reader.expect(UInt8(ascii: ":"))
            reader.skipSpace()
            let value: Value
            switch reader.peek {
            case UInt8(ascii: "\""): value = .string(try reader.readString())
            case UInt8(ascii: "n"):
                try reader.expectLiteral("null")
                value = .null
            default:
                try reader.skipValue()
                value = .other
            }
            fields.append((name, value))
            reader.skipSpace()
            if reader.peek == UInt8(ascii: ",") {
                reader.index += 1
                continue
            }
            try reader.expect(UInt8(ascii: "}"))
            return
        }
    }

    /// The string field `name` (case-insensitive; the last exact match wins, as in Go).
    func string(_ name: String) throws(RequestError) -> String? {
        var found: Value?
        for field in fields where field.name.caseInsensitiveEquals(name) {
            found = field.value
            if field.name == name { break }
        }
        switch found {
        case .none, .null?: return nil
        case .string(let s)?: return s
        case .other?: throw RequestError.badRequest("invalid request body: '\(name)' must be a string")
        }
    }

    /// The base64 byte field `name`; absent or null is empty.
    func bytes(_ name: String) throws(RequestError) -> [UInt8] {
        guard let text = try string(name) else { return [] }
        guard let bytes = Base64.decode(text) else {
            throw RequestError.badRequest("invalid request body: '\(name)' is not valid base64")
        }
        return bytes
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func expect(_ byte: UInt8) throws(SyntaxError) {
            guard peek == byte else { throw unexpected() }
            index += 1
        }

        mutating func expectLiteral(_ literal: StaticString) throws(SyntaxError) {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw SyntaxError(message: "unexpected end of JSON input") }
            let matches = literal.withUTF8Buffer { lit in
                (0..<count).allSatisfy { bytes[index + $0] == lit[$0] }
            }
            guard matches else { throw unexpected() }
            index += count
        }

        func unexpected() -> SyntaxError {
            if atEnd { return SyntaxError(message: "unexpected end of JSON input") }
            return SyntaxError(message: "invalid character in JSON at offset \(index)")
        }

        mutating func readString() throws(SyntaxError) -> String {
            guard peek == UInt8(ascii: "\"") else { throw unexpected() }
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    let s = String(decoding: bytes[start..<index], as: UTF8.self)
                    index += 1
                    return s
                }
                if b == UInt8(ascii: "\\") || b < 0x20 { break }
                index += 1
            }
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    index += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if b < 0x20 { throw SyntaxError(message: "invalid control character in JSON string") }
                if b != UInt8(ascii: "\\") {
                    out.append(b)
                    index += 1
                    continue
                }
                index += 1
                guard let e = peek else { break }
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try readHex4()
                    if (0xD800..<0xDC00).contains(scalar), peek == UInt8(ascii: "\\"),
                       index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try readHex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                    }
                    let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(character).utf8))
                default:
                    throw SyntaxError(message: "invalid escape in JSON string")
                }
            }
            throw SyntaxError(message: "unexpected end of JSON input")
        }

        mutating func readHex4() throws(SyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw SyntaxError(message: "unexpected end of JSON input") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw SyntaxError(message: "invalid escape in JSON string")
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        /// Skips a number, bool, array or object, checking only that brackets balance.
        mutating func skipValue() throws(SyntaxError) {
            guard let first = peek else { throw unexpected() }
            switch first {
            case UInt8(ascii: "t"): try expectLiteral("true")
            case UInt8(ascii: "f"): try expectLiteral("false")
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                var depth = 0
                while let b = peek {
                    if b == UInt8(ascii: "\"") {
                        _ = try readString()
                        continue
                    }
                    index += 1
                    if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { depth += 1 }
                    if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
                        depth -= 1
                        if depth == 0 { return }
                    }
                }
                throw unexpected()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                while let b = peek, b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".")
                    || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || (b >= 0x30 && b <= 0x39) {
                    index += 1
                }
            default:
                throw unexpected()
            }
        }
    }
}

extension String {
    fileprivate func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = self.utf8, b = other.utf8
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            x == y || (x | 0x20 == y | 0x20 && (x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A)
        }
    }
}

/// A strict parser for one JSON object whose interesting members are strings: format A
/// ciphertexts and 2023 stored keys. Other members may hold any JSON value; they are validated
/// and skipped, as Go's `encoding/json` ignores unknown fields.
public struct JSONObjectFields: Sendable {
    public enum Value: Equatable, Sendable {
        case string(String)
        case null
        /// A number, boolean, array or object.
        case other
    }

    public private(set) var members: [(name: String, value: Value)] = []

    /// Nested arrays/objects deeper than this are rejected, so hostile input cannot exhaust the stack.
    private static let maximumDepth = 64

    /// Parses `bytes` as exactly one JSON object with optional surrounding whitespace.
    public init?(parsing bytes: [UInt8]) {
        var parser = Parser(bytes: bytes)
        guard let members = parser.parseTopLevelObject() else { return nil }
        self.members = members
    }

    /// The member Go would store in a struct field named `name`: the last one whose name
    /// matches, ignoring ASCII case.
    public func value(for name: String) -> Value? {
        for member in members.reversed() where member.name.utf8.elementsEqual(name.utf8, by: Self.asciiCaseInsensitiveEqual) {
            return member.value
        }
        return nil
    }

    private static func asciiCaseInsensitiveEqual(_ lhs: UInt8, _ rhs: UInt8) -> Bool {
        func lower(_ byte: UInt8) -> UInt8 {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
        }
        return lower(lhs) == lower(rhs)
    }

    private struct Parser {
        let bytes: [UInt8]
        var offset = 0

        mutating func parseTopLevelObject() -> [(name: String, value: Value)]? {
            skipWhitespace()
            guard peek() == UInt8(ascii: "{") else { return nil }
            offset += 1
            var members: [(name: String, value: Value)] = []
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                offset += 1
            } else {
                while true {
                    skipWhitespace()
                    guard let name = parseString() else { return nil }
                    skipWhitespace()
                    guard consume(UInt8(ascii: ":")) else { return nil }
                    skipWhitespace()
                    let value: Value
                    switch peek() {
                    case UInt8(ascii: "\""):
                        guard let text = parseString() else { return nil }
                        value = .string(text)
                    case UInt8(ascii: "n"):
                        guard consumeLiteral("null") else { return nil }
                        value = .null
                    default:
                        guard skipValue(depth: 1) else { return nil }
                        value = .other
                    }
                    members.append((name, value))
                    skipWhitespace()
                    if consume(UInt8(ascii: ",")) { continue }
                    guard consume(UInt8(ascii: "}")) else { return nil }
                    break
                }
            }
            skipWhitespace()
            return offset == bytes.count ? members : nil
        }

        func peek() -> UInt8? {
            offset < bytes.count ? bytes[offset] : nil
        }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard peek() == byte else { return false }
            offset += 1
            return true
        }

        mutating func consumeLiteral(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard bytes.count - offset >= count else { return false }
            let matches = literal.withUTF8Buffer { expected in
                expected.elementsEqual(bytes[offset..<(offset + count)])
            }
            if matches { offset += count }
            return matches
        }

        mutating func skipWhitespace() {
            while let byte = peek(),
                  byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n")
                    || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t") {
                offset += 1
            }
        }

        /// Parses a JSON string starting at its opening quote; invalid UTF-8 becomes U+FFFD as in Go.
        mutating func parseString() -> String? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            let start = offset
            // Fast path: no escapes, the common case for base64 and hex values.
            while let byte = peek(), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                guard byte >= 0x20 else { return nil }
                offset += 1
            }
            guard let stop = peek() else { return nil }
            if stop == UInt8(ascii: "\"") {
                offset += 1
                return String(decoding: bytes[start..<(offset - 1)], as: UTF8.self)
            }
            var decoded = Array(bytes[start..<offset])
            while let byte = peek() {
                offset += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: decoded, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek() else { return nil }
                    offset += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(escaped)
                    case UInt8(ascii: "b"): decoded.append(0x08)
                    case UInt8(ascii: "f"): decoded.append(0x0C)
                    case UInt8(ascii: "n"): decoded.append(0x0A)
                    case UInt8(ascii: "r"): decoded.append(0x0D)
                    case UInt8(ascii: "t"): decoded.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = parseUnicodeEscape() else { return nil }
                        decoded.append(contentsOf: String(Character(scalar)).utf8)
                    default:
                        return nil
                    }
                default:
                    guard byte >= 0x20 else { return nil }
                    decoded.append(byte)
                }
            }
            return nil
        }

        /// The four hex digits after `\u`, joining surrogate pairs; lone surrogates become U+FFFD.
        mutating func parseUnicodeEscape() -> Unicode.Scalar? {
            guard let unit = parseHex4() else { return nil }
            if (0xD800..<0xDC00).contains(unit) {
                let save = offset
                if consumeLiteral("\\u"), let low = parseHex4(), (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                }
                offset = save
                return "\u{FFFD}"
            }
            return Unicode.Scalar(unit) ?? "\u{FFFD}"
        }

        mutating func parseHex4() -> UInt32? {
            guard bytes.count - offset >= 4 else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                offset += 1
            }
            return value
        }

        /// Validates and skips any JSON value.
        mutating func skipValue(depth: Int) -> Bool {
            guard depth <= JSONObjectFields.maximumDepth, let byte = peek() else { return false }
            switch byte {
            case UInt8(ascii: "\""):
                return parseString() != nil
            case UInt8(ascii: "t"):
                return consumeLiteral("true")
            case UInt8(ascii: "f"):
                return consumeLiteral("false")
            case UInt8(ascii: "n"):
                return consumeLiteral("null")
            case UInt8(ascii: "["):
                offset += 1
                skipWhitespace()
                if consume(UInt8(ascii: "]")) { return true }
                while true {
                    skipWhitespace()
                    guard skipValue(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if consume(UInt8(ascii: ",")) { continue }
                    return consume(UInt8(ascii: "]"))
                }
            case UInt8(ascii: "{"):
                offset += 1
                skipWhitespace()
                if consume(UInt8(ascii: "}")) { return true }
                while true {
                    skipWhitespace()
                    guard parseString() != nil else { return false }
                    skipWhitespace()
                    guard consume(UInt8(ascii: ":")) else { return false }
                    skipWhitespace()
                    guard skipValue(depth: depth + 1) else { return false }
                    skipWhitespace()
                    if consume(UInt8(ascii: ",")) { continue }
                    return consume(UInt8(ascii: "}"))
                }
            default:
                return skipNumber()
            }
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func skipNumber() -> Bool {
            _ = consume(UInt8(ascii: "-"))
            guard let first = peek(), isDigit(first) else { return false }
            offset += 1
            if first != UInt8(ascii: "0") { skipDigits() }
            if consume(UInt8(ascii: ".")) {
                guard let digit = peek(), isDigit(digit) else { return false }
                skipDigits()
            }
            if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
                if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
                guard let digit = peek(), isDigit(digit) else { return false }
                skipDigits()
            }
            return true
        }

        mutating func skipDigits() {
            while let byte = peek(), isDigit(byte) { offset += 1 }
        }

        func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }
    }
}

/// Writes JSON string literals the way Go's `encoding/json` does, including its HTML-safe
/// escapes, so that re-encoded stored keys match what KES writes.
public enum JSONStringWriter {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func append(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings (base64, names, identities) need no escaping: copy their bytes at once.
        if text.utf8.allSatisfy(isPlain) {
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case "\\": out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case "\n": out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case "\r": out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case "\t": out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                appendUnicodeEscape(scalar.value, to: &out)
            default:
                if scalar.value < 0x20 {
                    appendUnicodeEscape(scalar.value, to: &out)
                } else {
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Printable ASCII that Go writes unescaped.
    @inline(__always)
    private static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
            && byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "&")
    }

    private static func appendUnicodeEscape(_ value: UInt32, to out: inout [UInt8]) {
        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int(value >> UInt32(shift) & 0xF)])
        }
    }
}

/// What a list route's path argument asks for: the names that start with `prefix` and sort at or after
/// `start` (docs/formats.md, "List continuation tokens").
///
/// Go clients page by sending `continue_at` back as the list argument, so `continue_at` has to be
/// something the server can tell apart from a prefix: a token that starts with `~`, which no name
/// and no prefix may contain. It carries the prefix too, because the client sends nothing else.
public struct ListArgument: Sendable, Equatable {
    public let prefix: String
    /// The first name the page may hold; empty for the first page.
    public let start: String

    public init(prefix: String, start: String = "") {
        self.prefix = prefix
        self.start = start
    }

    public var isContinuation: Bool { !start.isEmpty }

    static let marker = UInt8(ascii: "~")

    /// The longest token accepted: the marker and separator, an 80-byte prefix, and a start name of up
    /// to 4 KiB (policy names and identities come from the config file and are not bounded by the name rules).
    static let maxTokenLength = 2 + Arguments.maxLength + (4096 + 2) / 3 * 4

    /// `~<prefix>~<start>`: the prefix as is (it holds only name characters), the start name in unpadded
    /// base64url so that any name round-trips through a URL path unescaped.
    public var token: String {
        var bytes: [UInt8] = [Self.marker]
        bytes.append(contentsOf: prefix.utf8)
        bytes.append(Self.marker)
        bytes.append(contentsOf: Self.base64URL(Array(start.utf8)))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses a list argument: a continuation token when it starts with `~`, else a prefix as
    /// `Arguments.listPrefix` reads it.
    public init(parsing argument: Substring) throws(InvalidArgument) {
        guard argument.utf8.first == Self.marker else {
            self.init(prefix: String(try Arguments.listPrefix(argument)))
            return
        }
        let bytes = Array(argument.utf8.dropFirst())
        guard bytes.count <= Self.maxTokenLength, let separator = bytes.firstIndex(of: Self.marker) else {
            throw .invalidContinuationToken
        }
        let prefix = bytes[..<separator]
        guard prefix.count <= Arguments.maxLength, prefix.allSatisfy(Arguments.isNameByte),
            let start = Self.decodeBase64URL(bytes[(separator + 1)...]), !start.isEmpty,
            let startText = String(validating: start, as: UTF8.self)
        else { throw .invalidContinuationToken }
        self.init(prefix: String(decoding: prefix, as: UTF8.self), start: startText)
    }

    static func base64URL(_ bytes: [UInt8]) -> [UInt8] {
        Base64.encodeBytes(bytes).compactMap { (byte: UInt8) -> UInt8? in
            switch byte {
            case UInt8(ascii: "+"): UInt8(ascii: "-")
            case UInt8(ascii: "/"): UInt8(ascii: "_")
            case UInt8(ascii: "="): nil
            default: byte
            }
        }
    }

    static func decodeBase64URL(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        // The base64url alphabet is exactly the name alphabet.
        guard text.allSatisfy(Arguments.isNameByte) else { return nil }
        var standard: [UInt8] = text.map { byte in
            switch byte {
            case UInt8(ascii: "-"): UInt8(ascii: "+")
            case UInt8(ascii: "_"): UInt8(ascii: "/")
            default: byte
            }
        }
        guard standard.count % 4 != 1 else { return nil }
        while standard.count % 4 != 0 { standard.append(UInt8(ascii: "=")) }
        return Base64.decode(standard)
    }
}

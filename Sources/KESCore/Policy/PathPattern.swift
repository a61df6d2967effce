/// A policy path pattern (docs/compatibility.md, "Policies").
///
/// It matches in two ways, and either is enough:
/// 1. As a Go `path.Match` glob over the whole path: `*` matches a run of characters other than `/`, `?` one
///    character other than `/`, `[…]` / `[^…]` classes with ranges, `\` escapes. A syntactically bad glob never
///    matches this way. (KES 2023 semantics, e.g. `/v1/key/*/my-key*`.)
/// 2. If the pattern ends in an unescaped `*`: when the path starts with the text before that `*`, taken literally.
///    (Current KES semantics, e.g. `/v1/key/*` matching `/v1/key/generate/x`.)
///
/// So a rule written for either KES generation keeps meaning what its author meant. The pattern is compiled once;
/// matching does not allocate.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    private let glob: GlobProgram?
    private let literalPrefix: [UInt8]?
    /// The bytes before the first glob metacharacter. Every path either rule matches starts
    /// with them, so most non-matching rules are rejected by this comparison alone.
    private let leadingLiteral: [UInt8]

    public init(_ pattern: String) {
        self.text = pattern
        let bytes = Array(pattern.utf8)
        self.glob = GlobProgram(compiling: bytes)
        self.literalPrefix = Self.endsInWildcard(bytes) ? Array(bytes.dropLast()) : nil
        let metacharacters: [UInt8] = [UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "\\")]
        self.leadingLiteral = Array(bytes.prefix { !metacharacters.contains($0) })
    }

    /// Whether the glob part is well formed; a pattern that is not can still match through the trailing-`*` rule.
    public var isValidGlob: Bool { glob != nil }

    public var description: String { text }

    public func matches(_ path: Substring) -> Bool {
        Self.withBytes(of: path) { matches(bytes: $0) }
    }

    static func withBytes<Result>(of path: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = path.utf8.withContiguousStorageIfAvailable(body) {
            return result
        }
        var copy = String(path)
        return copy.withUTF8(body)
    }

    public func matches(_ path: String) -> Bool {
        matches(path[...])
    }

    func matches(bytes path: UnsafeBufferPointer<UInt8>) -> Bool {
        guard path.count >= leadingLiteral.count, path.starts(with: leadingLiteral) else { return false }
        if let prefix = literalPrefix, path.count >= prefix.count {
            var equal = true
            for index in prefix.indices where prefix[index] != path[index] {
                equal = false
                break
            }
            if equal { return true }
        }
        return glob?.matches(path) ?? false
    }

    /// A final `*` preceded by an odd number of backslashes is an escaped, literal star.
    private static func endsInWildcard(_ bytes: [UInt8]) -> Bool {
        guard bytes.last == UInt8(ascii: "*") else { return false }
        var backslashes = 0
        var index = bytes.count - 2
        while index >= 0, bytes[index] == UInt8(ascii: "\\") {
            backslashes += 1
            index -= 1
        }
        return backslashes % 2 == 0
    }

    public static func == (lhs: PathPattern, rhs: PathPattern) -> Bool {
        lhs.text == rhs.text
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
    }
}

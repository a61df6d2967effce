/// Validation of the path arguments of key, policy and identity routes (docs/compatibility.md, "Names" and "Lists").
public enum Arguments {
    /// The longest name or list prefix, in bytes.
    public static let maxLength = 80

    /// Accepts 1–80 bytes of `[0-9A-Za-z_-]`. Checks, in order: empty, too long, invalid character.
    public static func validateName(_ name: Substring) throws(InvalidArgument) {
        let bytes = name.utf8
        guard !bytes.isEmpty else { throw .nameIsEmpty }
        guard bytes.count <= maxLength else { throw .nameIsTooLong }
        for byte in bytes where !isNameByte(byte) {
            throw .nameContainsInvalidCharacter
        }
    }

    /// Validates a list argument and returns the name prefix it stands for.
    ///
    /// Empty means "all". Up to 80 bytes of `[0-9A-Za-z_-*]`; one trailing `*` is stripped, so `*` and `my-key*`
    /// become `""` and `my-key`.
    public static func listPrefix(_ pattern: Substring) throws(InvalidArgument) -> Substring {
        let bytes = pattern.utf8
        guard bytes.count <= maxLength else { throw .patternIsTooLong }
        for byte in bytes where !(isNameByte(byte) || byte == UInt8(ascii: "*")) {
            throw .patternContainsInvalidCharacter
        }
        return pattern.last == "*" ? pattern.dropLast() : pattern
    }

    @inline(__always)
    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}

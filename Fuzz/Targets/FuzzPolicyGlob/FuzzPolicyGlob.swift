import FuzzSupport
import KESCore

// Untrusted policy patterns (from the config file and the policy API) matched against untrusted
// request paths. The input is "pattern NUL path"; without a NUL the whole input is both. Beyond
// not trapping, matching must honour what any glob engine owes: a fully escaped path matches
// itself, a pattern without metacharacters is an equality test, a trailing `*` accepts every
// extension of its literal prefix, and in a policy deny wins over allow.

private let metacharacters: Set<UInt8> = [UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "\\")]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicyGlob(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let split = bytes.firstIndex(of: 0) ?? bytes.count
    let pattern = String(decoding: bytes[..<split], as: UTF8.self)
    let path = split < bytes.count ? String(decoding: bytes[(split + 1)...], as: UTF8.self) : pattern

    let compiled = PathPattern(pattern)
    let matches = compiled.matches(path)
    require(compiled.matches(path[...]) == matches, "String and Substring matching differ")

    if !pattern.utf8.contains(where: metacharacters.contains) {
        require(compiled.isValidGlob, "a literal pattern is not a valid glob")
        require(matches == (pattern.utf8.elementsEqual(path.utf8)), "a literal pattern is not an equality test")
    }

    var escaped = [UInt8]()
    for byte in path.utf8 {
        if metacharacters.contains(byte) { escaped.append(UInt8(ascii: "\\")) }
        escaped.append(byte)
    }
    let escapedPattern = PathPattern(String(decoding: escaped, as: UTF8.self))
    require(escapedPattern.isValidGlob, "an escaped path is not a valid glob")
    require(escapedPattern.matches(path), "an escaped path does not match itself")

    if pattern.utf8.last == UInt8(ascii: "*") {
        let literal = pattern.utf8.dropLast()
        let backslashes = literal.reversed().prefix { $0 == UInt8(ascii: "\\") }.count
        if backslashes % 2 == 0 {
            let extended = String(decoding: Array(literal) + Array(path.utf8), as: UTF8.self)
            require(compiled.matches(extended), "a trailing star does not accept an extension of its prefix")
        }
    }

    let both = Policy(name: "fuzz", allow: [pattern], deny: [pattern])
    require(!both.permits(path[...]), "allow won over deny")
    let allowOnly = Policy(name: "fuzz", allow: ["/v1/other", pattern], deny: [])
    require(allowOnly.permits(path[...]) == (matches || path == "/v1/other"), "a policy disagrees with its patterns")
    return 0
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzzPolicyGlob)
    }
}

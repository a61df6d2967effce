import Testing
@testable import KESCore

/// The glob half of ``PathPattern`` must agree with Go's `path.Match`; these cases mirror Go's documented behaviour.
@Suite struct PolicyGlobTests {
    static let cases: [(pattern: String, name: String, matches: Bool)] = [
        ("abc", "abc", true),
        ("*", "abc", true),
        ("*c", "abc", true),
        ("a*", "a", true),
        ("a*", "abc", true),
        ("a*", "ab/c", false),
        ("a*/b", "abc/b", true),
        ("a*/b", "a/c/b", false),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false),
        ("a*b?c*x", "abxbbxdbxebxczzx", true),
        ("a*b?c*x", "abxbbxdbxebxczzy", false),
        ("ab[c]", "abc", true),
        ("ab[b-d]", "abc", true),
        ("ab[e-g]", "abc", false),
        ("ab[^c]", "abc", false),
        ("ab[^b-d]", "abc", false),
        ("ab[^e-g]", "abc", true),
        ("a\\*b", "a*b", true),
        ("a\\*b", "ab", false),
        ("a?b", "a☺b", true),
        ("a[^a]b", "a☺b", true),
        ("a???b", "a☺b", false),
        ("a[^a][^a][^a]b", "a☺b", false),
        ("[a-ζ]*", "α", true),
        ("*[a-ζ]", "A", false),
        ("a?b", "a/b", false),
        ("a*b", "a/b", false),
        ("[\\]a]", "]", true),
        ("[\\-]", "-", true),
        ("[x\\-]", "x", true),
        ("[x\\-]", "-", true),
        ("[x\\-]", "z", false),
        ("[\\-x]", "x", true),
        ("[\\-x]", "-", true),
        ("[\\-x]", "a", false),
        ("*x", "xxx", true),
        ("", "", true),
        ("", "a", false),
        ("a", "", false),
        ("[b-a]", "a", false),  // an empty range is legal and matches nothing
        ("[[]", "[", true),
        ("a[/]b", "a/b", true),  // Go lets a class match '/'
    ]

    static let badPatterns = [
        "[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "a/b[", "ab\\", "*[", "[a*",
        "]a[",
    ]

    @Test(arguments: cases)
    func goPathMatch(pattern: String, name: String, matches: Bool) throws {
        let glob = try #require(GlobProgram(compiling: Array(pattern.utf8)))
        var name = name
        #expect(name.withUTF8 { glob.matches($0) } == matches)
    }

    @Test(arguments: badPatterns)
    func badPatternsDoNotCompile(pattern: String) {
        #expect(GlobProgram(compiling: Array(pattern.utf8)) == nil)
        #expect(!PathPattern(pattern).isValidGlob)
    }

    @Test func badPatternNeverMatches() {
        #expect(!PathPattern("/v1/key/create/[").matches("/v1/key/create/["))
        #expect(!PathPattern("a[").matches("a"))
        #expect(!PathPattern("[]a]").matches("]"))
    }

    @Test func closingBracketOutsideAClassIsLiteral() {
        #expect(PathPattern("]a").matches("]a"))
    }
}

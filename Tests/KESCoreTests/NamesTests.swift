import Testing
@testable import KESCore

@Suite struct NamesTests {
    @Test(arguments: ["a", "my-key", "MY_key-01", "_", "-", "-leading", "trailing-", String(repeating: "k", count: 80)])
    func acceptsValidNames(name: String) throws {
        try Arguments.validateName(name[...])
    }

    @Test func rejectsEmptyName() {
        #expect(throws: InvalidArgument(message: "invalid argument: name is empty")) {
            try Arguments.validateName("")
        }
    }

    @Test func rejectsNamesLongerThan80Bytes() {
        #expect(throws: InvalidArgument(message: "invalid argument: name is too long")) {
            try Arguments.validateName(String(repeating: "k", count: 81)[...])
        }
        // Length is counted in bytes and checked before the characters: 41 × "é" is 82 bytes.
        #expect(throws: InvalidArgument.nameIsTooLong) {
            try Arguments.validateName(String(repeating: "é", count: 41)[...])
        }
    }

    @Test(arguments: ["a/b", "/", ".", "..", "a.b", "%2F", "a%2Fb", "a b", " ", "ключ", "é", "a*", "a\u{0}b", "a\nb"])
    func rejectsInvalidCharacters(name: String) {
        #expect(throws: InvalidArgument(message: "invalid argument: name contains invalid character")) {
            try Arguments.validateName(name[...])
        }
    }

    @Test func validatesASubstringInPlace() throws {
        let path = "/v1/key/create/my-key"
        try Arguments.validateName(path.dropFirst("/v1/key/create/".count))
        #expect(throws: InvalidArgument.nameContainsInvalidCharacter) {
            try Arguments.validateName(path.dropFirst("/v1/key/".count))
        }
    }

    @Test(arguments: [
        ("", ""), ("*", ""), ("my-key*", "my-key"), ("my-key", "my-key"), ("**", "*"), ("a*b", "a*b"),
        (String(repeating: "k", count: 80), String(repeating: "k", count: 80)),
    ])
    func listPrefixes(pattern: String, prefix: String) throws {
        #expect(try Arguments.listPrefix(pattern[...]) == prefix[...])
    }

    @Test func listPrefixErrors() {
        #expect(throws: InvalidArgument(message: "invalid argument: pattern is too long")) {
            try Arguments.listPrefix(String(repeating: "k", count: 81)[...])
        }
        for pattern in ["a/b", ".", "..", "%2F", "a b", "é", "a?"] {
            #expect(throws: InvalidArgument(message: "invalid argument: pattern contains invalid character")) {
                try Arguments.listPrefix(pattern[...])
            }
        }
    }
}

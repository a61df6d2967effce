import KESCore
import Testing

/// List arguments and continuation tokens (docs/formats.md, "List continuation tokens").
@Suite("List arguments")
struct ListArgumentTests {
    @Test(arguments: ["", "*", "a-", "a-*", "my_key-1"])
    func plainArgumentsStayPrefixes(argument: String) throws {
        let parsed = try ListArgument(parsing: Substring(argument))
        #expect(parsed.prefix == (argument.hasSuffix("*") ? String(argument.dropLast()) : argument))
        #expect(!parsed.isContinuation)
    }

    @Test func tokensRoundTrip() throws {
        #expect(ListArgument(prefix: "a-", start: "a-01000").token == "~a-~YS0wMTAwMA")
        let long = String(repeating: "z", count: 80)
        for argument in [
            ListArgument(prefix: "", start: "b"), ListArgument(prefix: "a-", start: "a-01000"),
            ListArgument(prefix: long, start: long), ListArgument(prefix: "", start: "policy with spaces/~ü\"\\"),
        ] {
            let token = argument.token
            // Nothing a URL path would need escaped.
            #expect(token.allSatisfy { $0 == "~" || $0 == "-" || $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) })
            #expect(try ListArgument(parsing: Substring(token)) == argument)
        }
        #expect(ListArgument(prefix: long, start: long).token.utf8.count == 189)
    }

    @Test(arguments: ["~", "~a-", "~a-~", "~a*~YQ", "~a-~YQ=", "~a-~Y", "~a-~+Q", "~\(String(repeating: "a", count: 81))~YQ"])
    func malformedTokensAreRejected(argument: String) {
        #expect(throws: InvalidArgument.invalidContinuationToken) { try ListArgument(parsing: Substring(argument)) }
    }
}

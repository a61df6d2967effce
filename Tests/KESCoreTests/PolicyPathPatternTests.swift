import Testing
@testable import KESCore

@Suite struct PolicyPathPatternTests {
    @Test func exactPaths() {
        let pattern = PathPattern("/v1/status")
        #expect(pattern.matches("/v1/status"))
        #expect(!pattern.matches("/v1/status/"))
        #expect(!pattern.matches("/v1/statusx"))
        #expect(!pattern.matches("/v1/stat"))
    }

    @Test func starStaysInsideOneSegmentMidPattern() {
        let pattern = PathPattern("/v1/key/*/my-key")
        #expect(pattern.matches("/v1/key/create/my-key"))
        #expect(!pattern.matches("/v1/key/bulk/decrypt/my-key"))
        #expect(!pattern.matches("/v1/key/create/my-key2"))
    }

    @Test func kes2023NameWildcards() {
        let pattern = PathPattern("/v1/key/create/minio-*")
        #expect(pattern.matches("/v1/key/create/minio-"))
        #expect(pattern.matches("/v1/key/create/minio-tenant-1"))
        #expect(!pattern.matches("/v1/key/create/other"))
        #expect(!pattern.matches("/v1/key/generate/minio-x"))
    }

    @Test func kes2023DenyRuleKeepsWorking() {
        let deny = PathPattern("/v1/key/*/minio-internal*")
        #expect(deny.matches("/v1/key/generate/minio-internal"))
        #expect(deny.matches("/v1/key/decrypt/minio-internal-key"))
        #expect(deny.matches("/v1/key/delete/minio-internal2"))
        #expect(!deny.matches("/v1/key/generate/minio-tenant"))
        #expect(!deny.matches("/v1/key/generate/internal"))
    }

    @Test func trailingStarAlsoMatchesAnyRemainder() {
        #expect(PathPattern("/v1/key/*").matches("/v1/key/generate/x"))
        #expect(PathPattern("/v1/key/*").matches("/v1/key/bulk/decrypt/x"))
        #expect(PathPattern("/v1/*").matches("/v1/key/list/*"))
        #expect(PathPattern("*").matches("/v1/anything/at/all"))
        #expect(!PathPattern("/v1/key/*").matches("/v1/policy/describe/x"))
        #expect(!PathPattern("/v1/key/*").matches("/v1/key"))
    }

    @Test func listRoutesWithALiteralStarInThePath() {
        let pattern = PathPattern("/v1/key/list/*")
        #expect(pattern.matches("/v1/key/list/*"))
        #expect(pattern.matches("/v1/key/list/"))
        #expect(pattern.matches("/v1/key/list/minio-*"))
        #expect(!PathPattern("/v1/key/list/minio-*").matches("/v1/key/list/*"))
    }

    @Test func escapedTrailingStarIsLiteral() {
        let pattern = PathPattern("/v1/key/list/\\*")
        #expect(pattern.isValidGlob)
        #expect(pattern.matches("/v1/key/list/*"))
        #expect(!pattern.matches("/v1/key/list/abc"))
        #expect(!pattern.matches("/v1/key/list/"))
        // An escaped backslash before the star leaves the star a wildcard; the prefix is the raw text before it.
        #expect(PathPattern("/a\\\\*").matches("/a\\x"))
        #expect(PathPattern("/a\\\\*").matches("/a\\\\/b"))
        #expect(!PathPattern("/a\\\\*").matches("/a\\/b"))
    }

    @Test func questionMarksAndClasses() {
        #expect(PathPattern("/v1/key/create/key-?").matches("/v1/key/create/key-1"))
        #expect(!PathPattern("/v1/key/create/key-?").matches("/v1/key/create/key-12"))
        #expect(!PathPattern("/v1/key/?").matches("/v1/key//"))
        #expect(PathPattern("/v1/key/create/key-[0-9]").matches("/v1/key/create/key-7"))
        #expect(!PathPattern("/v1/key/create/key-[0-9]").matches("/v1/key/create/key-a"))
        #expect(PathPattern("/v1/key/create/key-[^0-9]").matches("/v1/key/create/key-a"))
        #expect(PathPattern("/v1/key/[cd]*/x").matches("/v1/key/create/x"))
        #expect(PathPattern("/v1/key/[cd]*/x").matches("/v1/key/delete/x"))
        #expect(!PathPattern("/v1/key/[cd]*/x").matches("/v1/key/generate/x"))
    }

    @Test func badGlobWithTrailingStarStillPrefixMatches() {
        let pattern = PathPattern("/v1/key/create/[*")
        #expect(!pattern.isValidGlob)
        #expect(pattern.matches("/v1/key/create/[x"))
        #expect(!pattern.matches("/v1/key/create/x"))
    }

    @Test func matchesSubstringsOfALargerBuffer() {
        let requestLine = "POST /v1/key/create/minio-1 HTTP/1.1"
        let path = requestLine.split(separator: " ")[1]
        #expect(PathPattern("/v1/key/create/minio-?").matches(path))
        #expect(!PathPattern("/v1/key/create/minio-").matches(path))
    }

    @Test func equalityIsByText() {
        #expect(PathPattern("/v1/*") == PathPattern("/v1/*"))
        #expect(PathPattern("/v1/*") != PathPattern("/v1/**"))
        #expect(Set([PathPattern("a"), PathPattern("a")]).count == 1)
    }
}

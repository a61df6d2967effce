import KESCore
import KESKeyStore
import Synchronization
import Testing
@testable import KESChainStore

/// The chain store's walk over an upstream's list pages (docs/compatibility.md, "Lists"), against an
/// in-memory upstream of either kind: swift-kes (tokens) and KES (`continue_at` read back as a prefix).
@Suite("Chain store listing")
struct UpstreamListingTests {
    /// An upstream with 1,000-name pages; `tokens` says which `continue_at` it answers. Counts requests.
    final class Upstream: Sendable {
        let names: [String]
        let tokens: Bool
        let requests = Mutex(0)

        init(names: [String], tokens: Bool) {
            self.names = names.sorted()
            self.tokens = tokens
        }

        func page(_ argument: String) throws -> UpstreamListing.Page {
            requests.withLock { $0 += 1 }
            let list = try ListArgument(parsing: Substring(argument))
            guard tokens || !list.isContinuation else { throw KeyStoreError.failed("400 invalid argument") }
            let page = KeyListPage(allNames: names, prefix: list.prefix, startingAt: list.start, limit: 1000)
            let next = page.continueAt.isEmpty || !tokens ? page.continueAt : ListArgument(prefix: list.prefix, start: page.continueAt).token
            return UpstreamListing.Page(names: page.names, continueAt: next)
        }
    }

    static let names = (0..<2500).flatMap { [String(format: "a-%05d", $0), String(format: "b-%05d", $0)] } + ["a", "a-", "c"]

    /// Pages through the chain store's `list` with 1,000-name pages, as the server does.
    static func walk(_ upstream: Upstream, prefix: String) async throws -> [String] {
        var tokensKnown = false
        var listed: [String] = []
        var start = ""
        repeat {
            var listing = UpstreamListing(tokensKnown: tokensKnown) { argument in try upstream.page(argument) }
            let page = try await listing.list(prefix: prefix, startingAt: start, limit: 1000)
            tokensKnown = listing.tokensKnown
            listed += page.names
            start = page.continueAt
        } while !start.isEmpty
        return listed
    }

    @Test(arguments: [true, false], ["", "a-", "b-0", "a"])
    func everyNameOnce(tokens: Bool, prefix: String) async throws {
        let upstream = Upstream(names: Self.names, tokens: tokens)
        let listed = try await Self.walk(upstream, prefix: prefix)
        #expect(listed == Self.names.filter { $0.hasPrefix(prefix) }.sorted())
        if tokens {
            // One request per page once tokens are known (the first page of a walk finds out).
            #expect(upstream.requests.withLock { $0 } <= listed.count / 1000 + 3)
        }
    }
}

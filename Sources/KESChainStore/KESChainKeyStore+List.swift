import Foundation
import KESKeyStore

/// Listing through the upstream's `/v1/secret/list/` (docs/compatibility.md, "Lists"); the walk itself is
/// `UpstreamListing`.
extension KESChainKeyStore {
    public func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        var listing = UpstreamListing(tokensKnown: upstreamPagesWithTokens.withLock { $0 }) { [self] argument in
            try await fetchListPage(argument)
        }
        let page = try await listing.list(prefix: prefix, startingAt: start, limit: limit)
        if listing.tokensKnown { upstreamPagesWithTokens.withLock { $0 = true } }
        return page
    }

    private func fetchListPage(_ argument: String) async throws -> UpstreamListing.Page {
        let reply = try await send(.GET, "/v1/secret/list/\(argument)")
        guard reply.status == 200 else { throw reply.error(operation: "list", name: argument) }
        guard let page = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any] else {
            throw KeyStoreError.failed("kes: invalid response listing '\(argument)'")
        }
        return UpstreamListing.Page(names: page["names"] as? [String] ?? [], continueAt: page["continue_at"] as? String ?? "")
    }
}

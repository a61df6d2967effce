import KESCore
import KESKeyStore

/// One page request of the chain store against an upstream's list route.
///
/// A swift-kes upstream answers `continue_at` with a continuation token, and sending it back lists the
/// next page, so every name is reached. A KES upstream answers the next page's first name, and sending
/// that back lists only the names that *start* with it. Against such an upstream the names after a full
/// page are found by asking for the prefixes that follow, in order (`descend`): each prefix's first page
/// is exact, so no name is lost as long as names use the name alphabet `[-0-9A-Z_a-z]`.
struct UpstreamListing {
    struct Page: Sendable {
        var names: [String]
        var continueAt: String
    }

    /// True once the upstream has answered a continuation token: a page that starts mid-list is then
    /// asked for directly instead of being walked to.
    var tokensKnown: Bool
    let fetch: (String) async throws -> Page

    private var prefix = ""
    private var start = ""
    private var need = 0
    private var names: [String] = []

    init(tokensKnown: Bool, fetch: @escaping (String) async throws -> Page) {
        self.tokensKnown = tokensKnown
        self.fetch = fetch
    }

    mutating func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        var start = start
        if !start.isEmpty, !start.hasPrefix(prefix) {
            // A start outside the prefix's names either precedes all of them or follows all of them.
            guard start < prefix else { return KeyListPage(names: []) }
            start = ""
        }
        self.prefix = prefix
        self.start = start
        need = limit > 0 && limit < .max ? limit + 1 : .max
        names = []
        if !start.isEmpty, tokensKnown {
            try await follow(ListArgument(prefix: prefix, start: start).token, under: prefix)
        } else {
            try await all(startingWith: prefix)
        }
        return KeyListPage(allNames: Set(names), prefix: prefix, startingAt: start, limit: limit)
    }

    private var isDone: Bool { names.count >= need }

    private mutating func add(_ page: [String], under stem: String) {
        names.append(contentsOf: page.filter { $0.hasPrefix(stem) && $0.hasPrefix(prefix) && $0 >= start })
    }

    /// The name alphabet in byte order, the order of the upstream's sorted pages.
    private static let alphabet = Array("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)

    /// Every name that starts with `stem`: its first page, then whatever `continue_at` leads to.
    private mutating func all(startingWith stem: String) async throws {
        // A stem wholly before the start holds nothing wanted: skip the request.
        if !start.isEmpty, stem < start, !start.hasPrefix(stem) { return }
        let page = try await fetch(stem)
        add(page.names, under: stem)
        try await continuing(page.continueAt, under: stem)
    }

    /// Follows tokens from a token-aware upstream.
    private mutating func follow(_ token: String, under stem: String) async throws {
        let page = try await fetch(token)
        add(page.names, under: stem)
        if page.continueAt == token { return }
        try await continuing(page.continueAt, under: stem)
    }

    private mutating func continuing(_ continueAt: String, under stem: String) async throws {
        guard !continueAt.isEmpty, !isDone else { return }
        let isToken = continueAt.utf8.first == UInt8(ascii: "~")
        if isToken { tokensKnown = true }
        // When one name is missing it is the one `continue_at` names: no need to fetch a page for it.
        if names.count + 1 == need, let next = isToken ? (try? ListArgument(parsing: Substring(continueAt)))?.start : continueAt {
            add([next], under: stem)
            if isDone { return }
        }
        guard isToken else {
            try await descend(under: stem, from: max(continueAt, start))
            return
        }
        // Jump straight to the start rather than walk the pages before it.
        if let next = try? ListArgument(parsing: Substring(continueAt)), next.start < start {
            try await follow(ListArgument(prefix: next.prefix, start: start).token, under: stem)
        } else {
            try await follow(continueAt, under: stem)
        }
    }

    /// The names that start with `stem` and sort at or after `from`, from an upstream that reads every
    /// argument as a prefix: the names starting with `from`, then those starting with each larger
    /// sibling of `from`'s last byte, then of the byte before it, and so on up to `stem`.
    private mutating func descend(under stem: String, from: String) async throws {
        guard from.hasPrefix(stem) else { return }
        try await all(startingWith: from)
        var path = Array(from.utf8)
        let floor = stem.utf8.count
        while path.count > floor, !isDone {
            let last = path.removeLast()
            for byte in Self.alphabet where byte > last {
                if isDone { return }
                try await all(startingWith: String(decoding: path + [byte], as: UTF8.self))
            }
        }
    }
}

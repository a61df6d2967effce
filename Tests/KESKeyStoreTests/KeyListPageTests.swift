import KESKeyStore
import Testing

/// Pages built from unsorted names (every backend) and from sorted ones (the fs store's
/// snapshot) must be exactly the pages of sorting everything and slicing.
@Suite("KeyListPage")
struct KeyListPageTests {
    /// What a page is, by definition: sort all matching names, take `limit`, continue at the next.
    static func expected(_ names: [String], prefix: String, start: String, limit: Int) -> KeyListPage {
        let matching = names.filter { $0.hasPrefix(prefix) && $0 >= start }.sorted()
        guard limit > 0, matching.count > limit else { return KeyListPage(names: matching) }
        return KeyListPage(names: Array(matching[..<limit]), continueAt: matching[limit])
    }

    @Test func pagesMatchSortingEverything() {
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<200 {
            let count = Int.random(in: 0...300, using: &generator)
            let names = (0..<count).map { _ in
                String((0..<Int.random(in: 1...4, using: &generator)).map { _ in "abc-".randomElement(using: &generator)! })
            }
            let prefix = ["", "a", "ab", "c-", "zz"].randomElement(using: &generator)!
            let start = ["", "a", "b", "bc", "c", "~"].randomElement(using: &generator)!
            let limit = [0, 1, 2, 7, 1000, Int.max - 1, Int.max].randomElement(using: &generator)!
            let want = Self.expected(names, prefix: prefix, start: start, limit: limit)
            #expect(KeyListPage(allNames: names.shuffled(), prefix: prefix, startingAt: start, limit: limit) == want, "trial \(trial)")
            #expect(KeyListPage(sortedNames: names.sorted(), prefix: prefix, startingAt: start, limit: limit) == want, "trial \(trial)")
        }
    }

    /// Walking pages the way the server does (each page starts at the previous `continueAt`)
    /// reaches every name once, with the names streamed in descending order, the worst case
    /// for keeping the smallest.
    @Test func walkingPagesReachesEveryNameOnce() {
        let names = (0..<5_000).map { "key-\($0)" }
        var seen: [String] = []
        var start = ""
        repeat {
            let page = KeyListPage(allNames: names.reversed(), prefix: "key-", startingAt: start, limit: 1_000)
            seen += page.names
            start = page.continueAt
        } while !start.isEmpty
        #expect(seen == names.sorted())
    }
}

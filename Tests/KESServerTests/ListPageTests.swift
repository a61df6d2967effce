import Foundation
import KESCore
import KESKeyStore
import Testing
@testable import KESServer

/// The server's page builder: 1,000 names at most, a byte budget far below the 1 MiB Go clients accept,
/// and a continuation token that lists the next page (docs/compatibility.md, "Lists").
@Suite("List pages")
struct ListPageTests {
    /// Follows tokens over `names` as a Go client would; returns the names and each page's body size.
    static func walk(_ names: [String], argument: String) throws -> (names: [String], sizes: [Int]) {
        var listed: [String] = []
        var sizes: [Int] = []
        var argument = argument
        repeat {
            let response = ListPage.json(field: "names", names: names, list: try ListArgument(parsing: Substring(argument)))
            sizes.append(response.body.count)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            listed += try #require(json["names"] as? [String])
            argument = try #require(json["continue_at"] as? String)
        } while !argument.isEmpty && sizes.count < 100
        return (listed, sizes)
    }

    @Test func longNamesStayUnderTheByteBudget() throws {
        // Policy names and identities have no length limit: 1,000 names of 2 KB would be 2 MB in one page.
        let names = (0..<1200).map { String(format: "p%04d-", $0) + String(repeating: "x", count: 2000) }
        let (listed, sizes) = try Self.walk(names, argument: "p")
        #expect(listed == names)
        #expect(sizes.allSatisfy { $0 < ListPage.byteBudget + 8192 })
        #expect(sizes.count == 10)
    }

    @Test func maximumKeyNamesFitOnePage() throws {
        let names = (0..<1001).map { String(format: "%04d", $0) + String(repeating: "k", count: 76) }
        let (listed, sizes) = try Self.walk(names, argument: "")
        #expect(listed == names)
        #expect(sizes.count == 2)
        #expect(sizes[0] < 100_000)
    }
}

import Foundation
import KESKeyStore
import KESTestSupport
import Testing
@testable import KESVault

/// Vault's LIST returns every key of a path at once; the server still pages it at 1,000 names, and a Go-style
/// walk (docs/compatibility.md, "Lists") must reach every name once.
@Suite("Vault list paging", .requiresOpenBao)
struct VaultListPagingTests {
    @Test("5,000 keys on OpenBao: a Go-style walk lists every name once")
    func fiveThousandKeys() async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            _ = try await OpenBaoFixtures.install(on: admin)
            try await withStore(.test(server)) { store in
                let names = (0..<2500).flatMap { [String(format: "a-%05d", $0), String(format: "b-%05d", $0)] }
                // One value for all: listing never reads it, and 5,000 writes are the slow part.
                let value = VaultKVTests.keyText.bytes
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<16 {
                        group.addTask {
                            for index in stride(from: worker, to: names.count, by: 16) {
                                try await store.create(names[index], value: value)
                            }
                        }
                    }
                    try await group.waitForAll()
                }

                var start = ""
                var listed: [String] = []
                repeat {
                    let page = try await store.list(prefix: "a-", startingAt: start, limit: 1000)
                    listed += page.names
                    start = page.continueAt
                } while !start.isEmpty
                #expect(listed == names.filter { $0.hasPrefix("a-") }.sorted())

                let kes = try await TestServer(keyStore: store)
                defer { kes.stop() }
                let client = try kes.client()
                let all = try await GoStyleWalk.run(client, route: "/v1/key/list/", argument: "")
                #expect(all.names == names.sorted())
                #expect(all.pages == 5)
                print("vault: \(all.names.count) names in \(all.pages) pages, largest page \(all.largestPage) bytes")
                let prefixed = try await GoStyleWalk.run(client, route: "/v1/key/list/", argument: "b-")
                #expect(prefixed.names == names.filter { $0.hasPrefix("b-") }.sorted())
                #expect(prefixed.pages == 3)
            }
        }
    }
}

import Foundation
import KESFileStore
import KESKeyStore
import KESTestSupport
import Testing

@Suite("FileKeyStore under concurrency and restarts")
struct FileKeyStoreConcurrencyTests {
    @Test func concurrentCreatesOfOneNameHaveExactlyOneWinner() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            let outcomes = await withTaskGroup(of: (Int, KeyStoreError?).self) { group in
                for i in 0..<200 {
                    group.addTask {
                        (i, await keyStoreError { try await store.create("contested", value: bytes("value-\(i)")) })
                    }
                }
                return await group.reduce(into: [(Int, KeyStoreError?)]()) { $0.append($1) }
            }
            let winners = outcomes.filter { $0.1 == nil }.map(\.0)
            let losers = outcomes.filter { $0.1 == .keyExists }
            #expect(winners.count == 1)
            #expect(losers.count == 199)
            let winner = try #require(winners.first)
            #expect(try await store.get("contested") == bytes("value-\(winner)"))
            #expect(try await FileKeyStore(path: dir).get("contested") == bytes("value-\(winner)"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["contested"])
        }
    }

    @Test func concurrentCreatesOfDistinctNamesAllLandAndSurviveARestart() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            let names = (0..<200).map { "key-\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for name in names {
                    group.addTask { try await store.create(name, value: bytes("value-of-\(name)")) }
                }
                try await group.waitForAll()
            }

            // A new store on the same directory stands in for a restarted server.
            let restarted = try FileKeyStore(path: dir)
            let listed = try await restarted.list(prefix: "", limit: 0)
            #expect(listed.names == names.sorted())
            #expect(listed.continueAt == "")
            for name in names {
                #expect(try await restarted.get(name) == bytes("value-of-\(name)"))
            }
            #expect(try tempFiles(in: dir).isEmpty)
        }
    }

    @Test func concurrentMixedOperationsLeaveNoTempFiles() async throws {
        try await withTemporaryDirectory { dir in
            let store = try FileKeyStore(path: dir)
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<300 {
                    let name = "k\(i % 10)"
                    // Racing on ten names, each operation may find its name taken or gone,
                    // and nothing else: any other error is a bug.
                    group.addTask {
                        switch i % 3 {
                        case 0:
                            let error = await keyStoreError { try await store.create(name, value: bytes("v\(i)")) }
                            #expect(error == nil || error == .keyExists, "create \(name): \(String(describing: error))")
                        case 1:
                            let error = await keyStoreError { _ = try await store.get(name) }
                            #expect(error == nil || error == .keyNotFound, "get \(name): \(String(describing: error))")
                        default:
                            let error = await keyStoreError { try await store.delete(name) }
                            #expect(error == nil || error == .keyNotFound, "delete \(name): \(String(describing: error))")
                        }
                    }
                }
            }
            #expect(try tempFiles(in: dir).isEmpty)
            // Whatever survived is a complete value written by one create.
            for name in try await store.list(prefix: "", limit: 0).names {
                let value = String(decoding: try await store.get(name), as: UTF8.self)
                #expect(value.hasPrefix("v"))
            }
        }
    }
}

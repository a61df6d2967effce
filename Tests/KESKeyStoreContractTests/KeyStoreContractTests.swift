import KESKeyStore
import KESTestSupport
import Testing

/// What every `KeyStore` must do, whatever the backend: the server relies on exactly this and nothing more.
///
/// Each test runs against every store (`StoreKind`): memory, fs, OpenBao K/V v1 and v2, moto Secrets Manager
/// and a chained swift-kes server. Where a backend cannot give a guarantee (K/V v1 has no create-if-absent;
/// Vault and Secrets Manager cannot always tell that a deleted key was missing), the test says so through a
/// `StoreKind` property rather than assuming it.
///
/// Values are stored-key text (UTF-8): that is all the server ever stores, and all a Vault secret can hold.
@Suite("KeyStore contract", .serialized, .timeLimit(.minutes(2)))
struct KeyStoreContractTests {
    @Test("create, then get returns the exact bytes", arguments: StoreKind.runnable)
    func createThenGet(kind: StoreKind) async throws {
        try await withContractStore(kind) { store in
            let names = KeyNames()
            let first = ContractValues.storedKey()
            let second = ContractValues.storedKey()
            try await store.create(names("first"), value: first)
            try await store.create(names("second"), value: second)
            #expect(try await store.get(names("first")) == first)
            #expect(try await store.get(names("second")) == second)
        }
    }

    @Test("a store whose backend is up passes status()", arguments: StoreKind.runnable)
    func statusOfAWorkingStore(kind: StoreKind) async throws {
        try await withContractStore(kind) { store in
            try await store.status()
        }
    }

    @Test("create of an existing name throws keyExists and keeps the first value", arguments: StoreKind.runnable)
    func createOfExistingName(kind: StoreKind) async throws {
        try await withContractStore(kind) { store in
            let name = KeyNames()("taken")
            let original = ContractValues.storedKey()
            try await store.create(name, value: original)

            await #expect(throws: KeyStoreError.keyExists) {
                try await store.create(name, value: ContractValues.storedKey())
            }
            // The very same bytes are no exception: create never overwrites.
            await #expect(throws: KeyStoreError.keyExists) {
                try await store.create(name, value: original)
            }
            #expect(try await store.get(name) == original)
        }
    }

    @Test("of 16 concurrent creates of one name, one wins and the rest see keyExists", arguments: StoreKind.runnable)
    func concurrentCreatesOfOneName(kind: StoreKind) async throws {
        try await withContractStore(kind) { store in
            let name = KeyNames()("raced")
            let values = (0..<16).map { _ in ContractValues.storedKey() }

            // Every outcome is kept, errors included, and checked below.
            let outcomes = await withTaskGroup(
                of: (Int, Result<Void, any Error>).self, returning: [(Int, Result<Void, any Error>)].self
            ) { group in
                for (index, value) in values.enumerated() {
                    group.addTask {
                        do {
                            try await store.create(name, value: value)
                            return (index, .success(()))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                var outcomes: [(Int, Result<Void, any Error>)] = []
                for await outcome in group {
                    outcomes.append(outcome)
                }
                return outcomes
            }
            #expect(outcomes.count == values.count)

            var winners: [Int] = []
            for (index, outcome) in outcomes {
                switch outcome {
                case .success:
                    winners.append(index)
                case .failure(let error):
                    #expect(error as? KeyStoreError == .keyExists, "create #\(index) failed with \(error)")
                }
            }
            if kind.createIsAtomic {
                #expect(winners.count == 1, "creates that succeeded: \(winners.sorted())")
            } else {
                // K/V v1: creates that raced past the existence check all write; the last write stays.
                #expect(!winners.isEmpty, "no create succeeded")
            }
            let stored = try await store.get(name)
            let writtenByAWinner = winners.contains { values[$0] == stored }
            #expect(writtenByAWinner, "the stored value is not one a successful create wrote")
        }
    }

    @Test("get and delete of a missing name throw keyNotFound", arguments: StoreKind.runnable)
    func missingName(kind: StoreKind) async throws {
        try await withContractStore(kind) { store in
            let name = KeyNames()("missing")
            await #expect(throws: KeyStoreError.keyNotFound) {
                _ = try await store.get(name)
            }

            let deleteError = await keyStoreError { try await store.delete(name) }
            if kind.deleteReportsMissingKey {
                #expect(deleteError == .keyNotFound)
            } else {
                // Vault answers 204 whether or not the secret existed, and a forced Secrets Manager
                // delete of a missing secret succeeds: the store cannot tell, so it reports success.
                #expect(deleteError == nil, "delete of a missing name: \(String(describing: deleteError))")
            }
            // Deleting a missing name created nothing.
            await #expect(throws: KeyStoreError.keyNotFound) {
                _ = try await store.get(name)
            }
        }
    }

    @Test("after a delete the name is gone and can be created again", arguments: StoreKind.runnable)
    func deleteThenCreateAgain(kind: StoreKind) async throws {
        try await withContractStore(kind) { store in
            let name = KeyNames()("deleted")
            let first = ContractValues.storedKey()
            let second = ContractValues.storedKey()
            try await store.create(name, value: first)
            try await store.delete(name)

            await #expect(throws: KeyStoreError.keyNotFound) {
                _ = try await store.get(name)
            }
            #expect(try await store.list(prefix: name, limit: 0) == KeyListPage(names: []))

            try await store.create(name, value: second)
            #expect(try await store.get(name) == second)
        }
    }

    /// The list contract, as every store implements it (each builds its page with
    /// `KeyListPage(allNames:prefix:startingAt:limit:)` over the names it holds):
    /// - `names` are the names that start with `prefix` and sort at or after `start`, sorted, at most `limit` of
    ///   them; `limit <= 0` means all;
    /// - `continueAt` is the first name of the next page, i.e. the first matching name left out, and empty when
    ///   none is left out (also when exactly `limit` names match). Passing it back as `start` lists that page.
    @Test("list returns the sorted names with a prefix, and a limit cuts the page", arguments: StoreKind.runnable)
    func listWithPrefixAndLimit(kind: StoreKind) async throws {
        try await withContractStore(kind) { store in
            let names = KeyNames()
            // Created out of order, next to names that share part of the prefix but not all of it.
            for suffix in ["k_03", "k_05", "x_01", "k_01", "k", "k_04", "k_02"] {
                try await store.create(names(suffix), value: ContractValues.storedKey())
            }
            let matching = ["k_01", "k_02", "k_03", "k_04", "k_05"].map { names($0) }
            let prefix = names("k_")

            #expect(try await store.list(prefix: prefix, limit: 0) == KeyListPage(names: matching))
            #expect(try await store.list(prefix: prefix, limit: 1000) == KeyListPage(names: matching))
            // Exactly `limit` names match: nothing is left for a next page.
            #expect(try await store.list(prefix: prefix, limit: 5) == KeyListPage(names: matching))
            #expect(
                try await store.list(prefix: prefix, limit: 2)
                    == KeyListPage(names: Array(matching[0..<2]), continueAt: matching[2]))
            #expect(
                try await store.list(prefix: prefix, limit: 4)
                    == KeyListPage(names: Array(matching[0..<4]), continueAt: matching[4]))
            #expect(try await store.list(prefix: prefix, limit: 1) == KeyListPage(names: [matching[0]], continueAt: matching[1]))

            // The test's whole prefix: every name it created, sorted bytewise.
            let everything = ["k", "k_01", "k_02", "k_03", "k_04", "k_05", "x_01"].map { names($0) }
            #expect(try await store.list(prefix: names.prefix, limit: 0) == KeyListPage(names: everything))
            // A prefix nothing starts with lists nothing rather than failing.
            #expect(try await store.list(prefix: names("none_"), limit: 0) == KeyListPage(names: []))
            #expect(try await store.list(prefix: names("none_"), limit: 2) == KeyListPage(names: []))
        }
    }

    @Test("continueAt passed back as the start lists the next page, so pages chain without loss", arguments: StoreKind.runnable)
    func listChainsPages(kind: StoreKind) async throws {
        try await withContractStore(kind) { store in
            let names = KeyNames()
            for suffix in ["a_3", "b_1", "a_1", "a", "a_2", "c", "a_4", "a_0"] {
                try await store.create(names(suffix), value: ContractValues.storedKey())
            }
            let prefix = names("a")
            var listed: [String] = []
            var start = ""
            var pages = 0
            repeat {
                let page = try await store.list(prefix: prefix, startingAt: start, limit: 2)
                #expect(page.names.count <= 2)
                listed += page.names
                start = page.continueAt
                pages += 1
            } while !start.isEmpty && pages < 10
            #expect(listed == ["a", "a_0", "a_1", "a_2", "a_3", "a_4"].map { names($0) })
            #expect(pages == 3)
            // A start that is no name of the store still starts at the next name.
            #expect(try await store.list(prefix: prefix, startingAt: names("a_25"), limit: 0) == KeyListPage(names: [names("a_3"), names("a_4")]))
        }
    }

    /// A store configured against a loopback port nobody listens on. Stores that contact the backend while
    /// connecting (Vault logs in, AWS probes the endpoint) must fail there with `.unreachable`; a store that
    /// connects lazily (the chained store) must then fail every call with `.unreachable`. Either way the message
    /// names the endpoint. The memory and file stores have no network and are not part of this contract.
    @Test("a store whose backend is unreachable reports .unreachable", arguments: StoreKind.networked)
    func unreachableBackend(kind: StoreKind) async throws {
        // BackendLauncher hands out each port once per process, and only one that could be bound a moment ago.
        let port = BackendLauncher.freePort()
        let configuration = try #require(kind.configuration(unreachablePort: port))

        let store: any KeyStore
        do {
            store = try await configuration.connect(logger: ContractBackends.logger)
        } catch let error as KeyStoreError {
            expectUnreachable(error, port: port, "connect")
            return
        }

        let name = KeyNames()("unreachable")
        let statusError = await keyStoreError { try await store.status() }
        let getError = await keyStoreError { _ = try await store.get(name) }
        let createError = await keyStoreError { try await store.create(name, value: ContractValues.storedKey()) }
        let deleteError = await keyStoreError { try await store.delete(name) }
        let listError = await keyStoreError { _ = try await store.list(prefix: "", limit: 0) }
        await store.close()
        expectUnreachable(statusError, port: port, "status")
        expectUnreachable(getError, port: port, "get")
        expectUnreachable(createError, port: port, "create")
        expectUnreachable(deleteError, port: port, "delete")
        expectUnreachable(listError, port: port, "list")
    }
}

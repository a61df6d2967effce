import Foundation
import KESKeyStore
import Synchronization

/// A store whose reads wait until the test opens the gate (or a deadline passes, so a failing
/// test cannot hang), and which counts them per name. Everything else goes straight through.
final class GatedReads: KeyStore {
    private let base: any KeyStore
    private let state = Mutex((open: false, reads: [String: Int]()))
    private let deadline: Duration

    init(_ base: any KeyStore, deadline: Duration = .seconds(12)) {
        self.base = base
        self.deadline = deadline
    }

    var kind: String { base.kind }

    func open() { state.withLock { $0.open = true } }

    func reads(_ name: String) -> Int { state.withLock { $0.reads[name] ?? 0 } }

    func get(_ name: String) async throws -> [UInt8] {
        state.withLock { $0.reads[name, default: 0] += 1 }
        let giveUp = ContinuousClock.now + deadline
        while !state.withLock({ $0.open }), ContinuousClock.now < giveUp {
            try await Task.sleep(for: .milliseconds(5))
        }
        return try await base.get(name)
    }

    func create(_ name: String, value: [UInt8]) async throws { try await base.create(name, value: value) }
    func delete(_ name: String) async throws { try await base.delete(name) }
    func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        try await base.list(prefix: prefix, startingAt: start, limit: limit)
    }
    func status() async throws { try await base.status() }
    func close() async { await base.close() }
}

/// A store that can be taken offline: while it is, every call fails as a refused connection
/// would. The test switches it instead of stopping a process, so the outage starts exactly
/// when the test says.
final class SwitchableStore: KeyStore {
    private let base: any KeyStore
    private let offline = Mutex(false)

    init(_ base: any KeyStore) { self.base = base }

    var kind: String { base.kind }

    func setOffline(_ value: Bool) { offline.withLock { $0 = value } }

    private func check() throws {
        if offline.withLock({ $0 }) { throw KeyStoreError.unreachable("test: connection refused") }
    }

    func get(_ name: String) async throws -> [UInt8] {
        try check()
        return try await base.get(name)
    }

    func create(_ name: String, value: [UInt8]) async throws {
        try check()
        try await base.create(name, value: value)
    }

    func delete(_ name: String) async throws {
        try check()
        try await base.delete(name)
    }

    func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        try check()
        return try await base.list(prefix: prefix, startingAt: start, limit: limit)
    }

    func status() async throws {
        try check()
        try await base.status()
    }

    func close() async { await base.close() }
}

import Synchronization

/// A key store that lives and dies with the process: dev mode and tests.
public final class MemoryKeyStore: KeyStore {
    public let kind = "mem"
    private let values = Mutex<[String: [UInt8]]>([:])

    public init() {}

    public func create(_ name: String, value: [UInt8]) async throws {
        try values.withLock { values in
            guard values[name] == nil else { throw KeyStoreError.keyExists }
            values[name] = value
        }
    }

    public func get(_ name: String) async throws -> [UInt8] {
        guard let value = values.withLock({ $0[name] }) else { throw KeyStoreError.keyNotFound }
        return value
    }

    public func delete(_ name: String) async throws {
        try values.withLock { values in
            guard values.removeValue(forKey: name) != nil else { throw KeyStoreError.keyNotFound }
        }
    }

    public func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        let names = values.withLock { Array($0.keys) }
        return KeyListPage(allNames: names, prefix: prefix, startingAt: start, limit: limit)
    }

    public func status() async throws {}
}

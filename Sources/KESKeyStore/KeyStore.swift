/// A place that holds stored keys: opaque byte values (the stored-key text of
/// `KESCore.StoredKey`) under key names.
///
/// Backends know nothing about key formats or the cache; the server layers the
/// cache and the format on top. Every mutating call must be durable before it
/// returns, because the server answers 200 right after.
public protocol KeyStore: Sendable {
    /// A short backend name used as the prefix of error-log lines, e.g. `fs`, `vault`, `aws`.
    var kind: String { get }

    /// Stores `value` under `name` unless the name is taken.
    /// - Throws: `KeyStoreError.keyExists` when `name` already exists.
    func create(_ name: String, value: [UInt8]) async throws

    /// Returns the value stored under `name`.
    /// - Throws: `KeyStoreError.keyNotFound` when there is none.
    func get(_ name: String) async throws -> [UInt8]

    /// Removes `name`.
    /// - Throws: `KeyStoreError.keyNotFound` when the backend can tell it was absent.
    func delete(_ name: String) async throws

    /// Returns up to `limit` names (all when `limit` is 0) that start with `prefix` and sort at or
    /// after `start`, sorted, and the first name of the next page (empty when there is none).
    /// Passing that name back as `start` with the same prefix lists the next page, so no name is skipped.
    func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage

    /// Probes the backend. Returns normally when it can serve requests.
    /// - Throws: `KeyStoreError.unreachable` for network-level failures,
    ///   `KeyStoreError.unavailable` when it answers but cannot serve (e.g. sealed).
    func status() async throws

    /// Stops background work (token renewal, connection pools).
    func close() async
}

extension KeyStore {
    public func close() async {}

    /// The first page of the names that start with `prefix`.
    public func list(prefix: String, limit: Int) async throws -> KeyListPage {
        try await list(prefix: prefix, startingAt: "", limit: limit)
    }
}

public struct KeyListPage: Sendable, Equatable {
    public var names: [String]
    public var continueAt: String

    public init(names: [String], continueAt: String = "") {
        self.names = names
        self.continueAt = continueAt
    }

    /// Builds a page from an unsorted collection of all names, applying the prefix, start and limit.
    ///
    /// Only the page's names (and the next one) are kept in order while the names stream past,
    /// so a page costs about one pass over them, not a sort of every name: paging through
    /// 100,000 names 1,000 at a time sorted the rest of the names 100 times.
    public init<S: Sequence>(allNames: S, prefix: String, startingAt start: String = "", limit: Int) where S.Element == String {
        guard limit > 0, limit < Int.max else {
            self.init(names: allNames.filter { $0.hasPrefix(prefix) && $0 >= start }.sorted())
            return
        }
        var smallest = SmallestNames(keeping: limit + 1)
        for name in allNames where name >= start && name.hasPrefix(prefix) {
            smallest.offer(name)
        }
        self.init(limitedNames: smallest.names, limit: limit)
    }

    /// Builds a page from names already in ascending order, finding the start by binary search.
    public init(sortedNames: [String], prefix: String, startingAt start: String = "", limit: Int) {
        var names: [String] = []
        var index = sortedNames.firstIndex(notBelow: Swift.max(prefix, start))
        while index < sortedNames.count, sortedNames[index].hasPrefix(prefix), limit <= 0 || names.count <= limit {
            names.append(sortedNames[index])
            index += 1
        }
        self.init(limitedNames: names, limit: limit)
    }

    /// `names` are sorted and hold at most `limit + 1`; the one past the limit continues the list.
    private init(limitedNames names: [String], limit: Int) {
        if limit > 0, names.count > limit {
            self.init(names: Array(names[..<limit]), continueAt: names[limit])
        } else {
            self.init(names: names)
        }
    }
}

/// The `count` smallest of the names offered, in ascending order.
private struct SmallestNames {
    private(set) var names: [String] = []
    private let count: Int

    init(keeping count: Int) {
        self.count = count
        names.reserveCapacity(Swift.min(count, 1_024))
    }

    mutating func offer(_ name: String) {
        if names.count == count {
            guard name < names[count - 1] else { return }
            names.removeLast()
        }
        names.insert(name, at: names.firstIndex(notBelow: name))
    }
}

extension [String] {
    /// In an ascending array, the index of the first element not below `name` (binary search).
    fileprivate func firstIndex(notBelow name: String) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < name { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// Errors a backend reports. The server maps them to KES's status codes; `failed`
/// and the two status errors carry a message for the error log only, never for clients.
public enum KeyStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case keyExists
    case keyNotFound
    /// The backend could not be reached (connection refused, timeout, DNS).
    case unreachable(String)
    /// The backend answered but cannot serve (sealed, not initialized, throttled).
    case unavailable(String)
    /// Any other failure.
    case failed(String)

    public var description: String {
        switch self {
        case .keyExists: return "key already exists"
        case .keyNotFound: return "key does not exist"
        case .unreachable(let why): return "not reachable: \(why)"
        case .unavailable(let why): return "not available: \(why)"
        case .failed(let why): return why
        }
    }

    /// True when the error says the backend is down rather than that a request was wrong.
    public var isOutage: Bool {
        switch self {
        case .unreachable, .unavailable: return true
        default: return false
        }
    }
}

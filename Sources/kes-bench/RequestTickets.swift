import Synchronization

/// Numbers a run's requests across all its connections, for `--keys` (which key request i uses) and
/// `--requests` (when to stop). A shared counter rather than a stride per connection, so that a slow
/// connection does not hold back the end of a `--requests` run: whoever is free takes the next number.
/// One relaxed add per request; the order between connections does not matter, only that every number
/// is handed out once.
final class RequestTickets: Sendable {
    private let next = Atomic<Int>(0)
    /// No more numbers than this; nil hands them out for ever.
    let limit: Int?

    init(limit: Int?) {
        self.limit = limit
    }

    /// The next request's number, or nil once `limit` of them have been handed out.
    func take() -> Int? {
        let number = next.wrappingAdd(1, ordering: .relaxed).oldValue
        if let limit, number >= limit { return nil }
        return number
    }

    var isExhausted: Bool {
        guard let limit else { return false }
        return next.load(ordering: .relaxed) >= limit
    }
}

/// `--keys N`: request i goes to key `<name>-<i mod N>`. Only the number at the end of the path
/// differs between requests, so each connection patches its own copy of the head with it: one small
/// string per request, instead of N paths held in memory.
struct KeyCycle: Sendable {
    /// The operation's path for key `<name>-`, ready for the number.
    let pathPrefix: String
    let count: Int

    func path(forRequest number: Int) -> String {
        pathPrefix + String(number % count)
    }

    /// For reports: `/v1/key/generate/bench-{0..99}`.
    var pathPattern: String {
        pathPrefix + "{0..\(count - 1)}"
    }
}

import Synchronization

/// Several endpoints of one service, tried in turn: the one that answered last goes first, and
/// an attempt whose outcome calls for it moves on to the next. KES clients fail over this way.
public final class EndpointFailover: Sendable {
    public let endpoints: [String]
    private let preferred = Atomic<Int>(0)

    public init(endpoints: [String]) {
        precondition(!endpoints.isEmpty, "EndpointFailover needs at least one endpoint")
        self.endpoints = endpoints
    }

    /// Runs `attempt` against each endpoint, starting with the preferred one, until an outcome
    /// that `failsOver` declines, or the last endpoint. A success makes its endpoint preferred.
    /// Cancellation is never failed over.
    public func run<Output: Sendable>(
        _ attempt: (String) async throws -> Output,
        failsOver: (Result<Output, any Error>) -> Bool
    ) async throws -> Output {
        let count = endpoints.count
        let start = preferred.load(ordering: .relaxed)
        var outcome: Result<Output, any Error> = .failure(CancellationError())
        for offset in 0..<count {
            let index = (start + offset) % count
            do {
                outcome = .success(try await attempt(endpoints[index]))
            } catch let error as CancellationError {
                throw error
            } catch {
                outcome = .failure(error)
            }
            let moveOn = failsOver(outcome)
            if offset == count - 1 || !moveOn {
                // Only a node that served becomes the first to ask, not the last one that refused.
                if case .success = outcome, !moveOn { preferred.store(index, ordering: .relaxed) }
                break
            }
        }
        return try outcome.get()
    }
}

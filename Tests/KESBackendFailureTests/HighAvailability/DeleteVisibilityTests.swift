import Foundation
import KESConfig
import KESTestSupport
import Testing

extension RaftHighAvailabilityTests {
    /// A key deleted through one instance stops working through the others once their cached copy
    /// expires: at most `cache.expiry.any` (3 s here) plus a little for the sweep and the poll.
    @Test(.timeLimit(.minutes(1)))
    func deleteBecomesVisibleEverywhereWithinCacheExpiry() async throws {
        let expiry = Duration.seconds(3)
        let trio = try await Self.startTrio("delete", cache: CacheConfig(expiryAny: expiry))
        try await withAsyncCleanup {
            let name = "doomed"
            #expect(try await trio.clients[0].create(name).status == 200)
            try await trio.cacheEverywhere(name)

            let clock = ContinuousClock()
            let deleted = try await trio.clients[0].delete("/v1/key/delete/\(name)")
            let deletedAt = clock.now
            #expect(deleted.status == 200, "\(deleted.body)")
            #expect(try await trio.clients[0].generate(name).status == 404, "the deleting instance forgets the key at once")

            // Poll B and C every 100 ms until each answers 404, for at most expiry + 5 s.
            let bound = expiry + .seconds(2)
            var seen: [Int: Duration] = [:]
            var polls = 0
            while seen.count < 2, clock.now - deletedAt < expiry + .seconds(5) {
                for instance in [1, 2] where seen[instance] == nil {
                    polls += 1
                    if await trio.clients[instance].status(of: { try await $0.generate(name) }) == 404 {
                        seen[instance] = clock.now - deletedAt
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let times = [1, 2].map { seen[$0].map { "\($0.ms) ms" } ?? "never" }
            print(
                "ha: delete-visibility: cache.expiry.any \(expiry.ms) ms; 404 after delete through instance 1 \(times[0]), "
                    + "instance 2 \(times[1]) (\(polls) polls every 100 ms, bound \(bound.ms) ms)")
            for instance in [1, 2] {
                let took = try #require(seen[instance], "instance \(instance) still serves the deleted key")
                #expect(took <= bound, "instance \(instance) served the deleted key for \(took.ms) ms")
            }
        } cleanup: {
            await trio.stop()
        }
    }
}

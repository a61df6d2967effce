import Foundation
import KESConfig
import KESTestSupport
import Testing

extension RaftHighAvailabilityTests {
    /// A key created through one instance is usable through the others at once: OpenBao standbys
    /// answer reads from a copy that trails the active node by 25-140 ms, so a read right after a
    /// create elsewhere must not be taken from a standby alone.
    @Test(.timeLimit(.minutes(1)))
    func keyCreatedAnywhereIsUsableEverywhereAtOnce() async throws {
        let trio = try await Self.startTrio("anywhere")
        try await withAsyncCleanup {
            let rounds = 40
            var failures: [String] = []
            var createFailures = 0
            for round in 0..<rounds {
                let name = "anywhere-\(round)"
                let creator = round % 3
                let created = try await trio.clients[creator].create(name)
                guard created.status == 200 else {
                    createFailures += 1
                    failures.append("\(name): create through \(creator): \(created.status) \(created.body)")
                    continue
                }
                // Right after the create's answer, through both other instances at once.
                let others = [(creator + 1) % 3, (creator + 2) % 3]
                async let first = trio.clients[others[0]].status { try await $0.generate(name) }
                async let second = trio.clients[others[1]].status { try await $0.generate(name) }
                for (instance, status) in zip(others, await [first, second]) where status != 200 {
                    failures.append("\(name): created through \(creator), generate through \(instance): \(status)")
                }
            }
            print(
                "ha: created-anywhere: \(rounds) keys (creator rotating over 3 instances), "
                    + "\(2 * rounds) generates right after through the other two: \(failures.count - createFailures) failed, "
                    + "\(createFailures) creates failed")
            #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(10))")
        } cleanup: {
            await trio.stop()
        }
    }

    /// Every instance creates each name at the same moment: one wins cluster-wide (OpenBao's active
    /// node checks `cas=0` for forwarded writes), and no loser overwrites the winner's key.
    @Test(.timeLimit(.minutes(1)))
    func createRacesAcrossInstances() async throws {
        let expiry = Duration.seconds(2)
        let trio = try await Self.startTrio("race", cache: CacheConfig(expiryAny: expiry))
        try await withAsyncCleanup {
            try await CreateRace(trio: trio, label: "openbao raft", expiry: expiry).run(names: 30)
        } cleanup: {
            await trio.stop()
        }
    }
}

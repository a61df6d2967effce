import Foundation
import KESClient
import KESConfig
import KESTestSupport
import Synchronization
import Testing

extension RaftHighAvailabilityTests {
    /// The SDK client, given all three instances, rides out one instance killed hard (its
    /// connections dropped at once) and then a rolling restart of all three (each stopped
    /// gracefully and started again on its port): no operation may fail.
    @Test(.timeLimit(.minutes(1)))
    func sdkRidesOutAnInstanceKillAndARollingRestart() async throws {
        let trio = try await Self.startTrio("sdk")
        let sdk = try KESClient(endpoints: trio.endpoints, apiKey: trio.apiKey.text, insecure: true)
        try await withAsyncCleanup {
            let names = ["sdk-0", "sdk-1"]
            for name in names {
                try await sdk.createKey(name)
                try await trio.cacheEverywhere(name)
            }
            let phases = PhaseTally(["warm-up", "instance 0 killed", "rolling restart"])
            let clock = ContinuousClock()
            var restarts: [String] = []
            let loops: [@Sendable (StopFlag) async -> Void] = (0..<4).map { worker in
                { stop in await Self.sdkLoop(sdk, name: names[worker % names.count], stop: stop, tally: phases) }
            }
            try await whileLooping(loops) {
                try await Task.sleep(for: .milliseconds(500))
                // The SDK starts with the first endpoint and stays with the one that answered last.
                phases.next()
                trio.kill(0)
                try await Task.sleep(for: .seconds(1))
                phases.next()
                let back = clock.now
                try await trio.restart(0, graceful: false)
                restarts.append("instance 0 back in \((clock.now - back).ms) ms")
                for instance in trio.clients.indices {
                    try await Task.sleep(for: .milliseconds(500))
                    let took = try await trio.restart(instance, graceful: true)
                    restarts.append("instance \(instance) stop \(took.stop.ms) ms + start \(took.start.ms) ms")
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            let tallies = phases.tallies
            print(
                "ha: sdk-failover: 4 workers generate+decrypt through KESClient over 3 instances: "
                    + tallies.map { "\($0.phase) \($0.operations) ops \($0.failures.count) failed" }.joined(separator: ", "))
            print("ha: sdk-failover: restarts: \(restarts.joined(separator: "; "))")
            for tally in tallies {
                #expect(tally.failures.isEmpty, "\(tally.phase): \(tally.failures.prefix(5))")
                #expect(tally.operations > 0, "\(tally.phase): no operations")
            }
        } cleanup: {
            await #expect(throws: Never.self) { try await sdk.shutdown() }
            await trio.stop()
        }
    }

    private static func sdkLoop(_ sdk: KESClient, name: String, stop: StopFlag, tally: PhaseTally) async {
        while !stop.isRaised, !Task.isCancelled {
            do {
                let key = try await sdk.generateKey(name)
                tally.record(nil)
                let plaintext = try await sdk.decrypt(name, ciphertext: key.ciphertext)
                tally.record(plaintext == key.plaintext ? nil : "decrypt gave another plaintext")
            } catch {
                tally.record("\(error)")
            }
        }
    }
}

/// Operations and failures per phase of a drill; an operation counts in the phase it ended in.
final class PhaseTally: Sendable {
    struct Tally: Sendable {
        let phase: String
        var operations = 0
        var failures: [String] = []
    }

    private let state: Mutex<(current: Int, tallies: [Tally])>

    init(_ phases: [String]) {
        state = Mutex((0, phases.map { Tally(phase: $0) }))
    }

    var tallies: [Tally] { state.withLock { $0.tallies } }

    func next() { state.withLock { $0.current += 1 } }

    /// One operation; `failure` nil when it succeeded.
    func record(_ failure: String?) {
        state.withLock { state in
            state.tallies[state.current].operations += 1
            if let failure { state.tallies[state.current].failures.append(failure) }
        }
    }
}

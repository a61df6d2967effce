import Foundation
import KESConfig
import KESTestSupport
import Synchronization
import Testing

extension RaftHighAvailabilityTests {
    /// The Raft leader is SIGKILLed while 8 clients generate with 4 cached keys through the three
    /// instances and every instance tries a create every 200 ms. Cached keys must not notice; the
    /// creates must fail fast while there is no leader and work again after the election; and after
    /// the killed node is back, every key whose create was answered 200 must be readable through
    /// every instance (three fresh instances, so nothing is answered from a cache).
    @Test(.timeLimit(.minutes(1)))
    func raftLeaderKilledUnderLoad() async throws {
        let cluster = try await Self.healthyCluster()
        let store = KESTrio.vault(cluster, prefix: haPrefix("leader"))
        // Long expiry: the cached keys stay cached throughout, so their failures are the cache's.
        let cache = CacheConfig(expiryAny: .seconds(60), expiryUnused: .seconds(60))
        let trio = try await KESTrio.start(cache: cache, store: store)
        try await withAsyncCleanup {
            let cachedKeys = (0..<4).map { "cached-\($0)" }
            for name in cachedKeys {
                #expect(try await trio.clients[0].create(name).status == 200)
                try await trio.cacheEverywhere(name)
            }
            let drill = LeaderKillDrill(trio: trio, cluster: cluster, cachedKeys: cachedKeys)
            let outcome = try await drill.run()
            try await outcome.report(trio: trio, store: store)
        } cleanup: {
            await trio.stop()
            for node in cluster.addresses.indices where !cluster.isRunning(node) {
                await #expect(throws: Never.self) { try await cluster.restart(node: node) }
            }
        }
    }
}

/// The load, the creates and the kill of `raftLeaderKilledUnderLoad`.
private struct LeaderKillDrill {
    let trio: KESTrio
    let cluster: OpenBaoRaftCluster
    let cachedKeys: [String]
    let clock = ContinuousClock()

    static let loadClients = 8
    /// How long a create may take, also while there is no leader.
    static let fastFailure = Duration.seconds(2)

    /// Runs the load and the creates, kills the leader after 1 s, waits for the election and for a
    /// create to succeed through every instance, restarts the killed node, and stops after 0.5 s more.
    func run() async throws -> LeaderKillOutcome {
        let start = clock.now
        let load = LoadTally()
        let creates = CreateLog()
        var timeline = LeaderKillOutcome.Timeline()
        var loops: [@Sendable (StopFlag) async -> Void] = (0..<Self.loadClients).map { index in
            let client = trio.clients[index % trio.clients.count]
            let name = cachedKeys[index % cachedKeys.count]
            return { stop in await Self.generateLoop(client, name: name, stop: stop, tally: load) }
        }
        for instance in trio.clients.indices {
            loops.append { [self] stop in await createLoop(instance, start: start, stop: stop, into: creates) }
        }
        try await whileLooping(loops) {
            try await Task.sleep(for: .seconds(1))
            let leader = try #require(await cluster.leaderIndex(), "no leader before the kill")
            timeline.killed = clock.now - start
            timeline.node = leader
            try await cluster.kill(node: leader)
            _ = try await cluster.waitForLeader(excluding: leader)
            timeline.elected = clock.now - start
            // Until a create started after the election has succeeded through every instance.
            let deadline = clock.now + .seconds(10)
            while clock.now < deadline, !Self.everyInstanceCreated(after: timeline.elected, in: creates, count: trio.clients.count) {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(500))
            let restarting = clock.now
            try await cluster.restart(node: leader)
            timeline.restart = clock.now - restarting
            try await Task.sleep(for: .milliseconds(500))
        }
        timeline.end = clock.now - start
        return LeaderKillOutcome(timeline: timeline, load: load.snapshot(), creates: creates.attempts)
    }

    private static func everyInstanceCreated(after instant: Duration, in creates: CreateLog, count: Int) -> Bool {
        let succeeded = Set(creates.attempts.filter { $0.started >= instant && $0.status == 200 }.map(\.instance))
        return succeeded.count == count
    }

    private static func generateLoop(_ client: TestClient, name: String, stop: StopFlag, tally: LoadTally) async {
        let clock = ContinuousClock()
        while !stop.isRaised, !Task.isCancelled {
            let started = clock.now
            let status = await client.status { try await $0.generate(name) }
            tally.record(status: status, latency: clock.now - started, name: name)
        }
    }

    /// A create every 200 ms through one instance, each under a new name.
    private func createLoop(_ instance: Int, start: ContinuousClock.Instant, stop: StopFlag, into creates: CreateLog) async {
        let client = trio.clients[instance]
        var sequence = 0
        while !stop.isRaised, !Task.isCancelled {
            let name = "created-\(instance)-\(sequence)"
            sequence += 1
            let started = clock.now
            let status = await client.status { try await $0.create(name) }
            let took = clock.now - started
            creates.append(CreateAttempt(instance: instance, name: name, started: started - start, took: took, status: status))
            try? await Task.sleep(until: started + .milliseconds(200))
        }
    }
}

struct CreateAttempt: Sendable {
    let instance: Int
    let name: String
    /// Since the drill began.
    let started: Duration
    let took: Duration
    /// The HTTP status, -1 when the request failed without one.
    let status: Int
}

/// The create attempts of several loops, in the order they ended.
final class CreateLog: Sendable {
    private let log = Mutex<[CreateAttempt]>([])
    var attempts: [CreateAttempt] { log.withLock { $0 } }
    func append(_ attempt: CreateAttempt) { log.withLock { $0.append(attempt) } }
}

/// Counts the load's requests, its failures and its slowest request.
final class LoadTally: Sendable {
    struct Snapshot {
        var requests = 0
        var failures: [String] = []
        var slowest = Duration.zero
    }

    private let state = Mutex(Snapshot())

    func record(status: Int, latency: Duration, name: String) {
        state.withLock { state in
            state.requests += 1
            state.slowest = max(state.slowest, latency)
            if status != 200 { state.failures.append("\(name): \(status)") }
        }
    }

    func snapshot() -> Snapshot { state.withLock { $0 } }
}

private struct LeaderKillOutcome {
    struct Timeline {
        var node = -1
        var killed = Duration.zero
        var elected = Duration.zero
        var restart = Duration.zero
        var end = Duration.zero
    }

    let timeline: Timeline
    let load: LoadTally.Snapshot
    let creates: [CreateAttempt]

    func report(trio: KESTrio, store: @escaping KESTrio.StoreFactory) async throws {
        let killed = timeline.killed
        let outage = creates.filter { $0.started >= killed && $0.started < timeline.elected }
        let afterKill = creates.filter { $0.started >= killed && $0.status == 200 }
        let recovered = trio.clients.indices.map { instance in
            afterKill.filter { $0.instance == instance }.map { ($0.started + $0.took - killed).ms }.min()
        }
        let slowest = creates.map(\.took).max() ?? .zero
        let slowestInOutage = outage.map(\.took).max() ?? .zero
        let acknowledged = creates.filter { $0.status == 200 }.map(\.name)
        let (unreadable, lost) = try await Self.unreadableKeys(acknowledged, store: store)

        print(
            "ha: leader-kill: node \(timeline.node) killed at \(killed.ms) ms, new leader after \((timeline.elected - killed).ms) ms, "
                + "killed node restarted in \(timeline.restart.ms) ms, drill \(timeline.end.ms) ms")
        print(
            "ha: leader-kill: cached-key load (\(LeaderKillDrill.loadClients) clients, 4 keys, 3 instances): "
                + "\(load.requests) generates, \(load.failures.count) failed, slowest \(load.slowest.ms) ms")
        print(
            "ha: leader-kill: creates every 200 ms per instance: \(creates.count) tried, \(acknowledged.count) answered 200; "
                + "started between the kill and the new leader (sys/leader polled every 50 ms) \(outage.count) tried, "
                + "\(outage.filter { $0.status == 200 }.count) succeeded, slowest \(slowestInOutage.ms) ms; "
                + "slowest overall \(slowest.ms) ms; first success after the kill per instance \(recovered.map { $0.map { "\($0) ms" } ?? "never" })")
        print(
            "ha: leader-kill: acknowledged keys read through 3 fresh instances: \(unreadable.count) unreadable at first, "
                + "\(lost.count) lost (still unreadable 1 s later)")

        #expect(load.failures.isEmpty, "cached keys failed: \(load.failures.prefix(10))")
        #expect(slowest < LeaderKillDrill.fastFailure, "a create took \(slowest.ms) ms")
        #expect(recovered.allSatisfy { $0 != nil }, "an instance never created again after the election")
        #expect(unreadable.isEmpty, "unreadable at first: \(unreadable.prefix(10))")
        #expect(lost.isEmpty, "lost: \(lost.prefix(10))")
    }

    /// Generates with every key through three new instances (empty caches; instance i prefers
    /// node i, so the restarted node is asked too). A key that fails is asked again 1 s later:
    /// still failing, it is lost.
    private static func unreadableKeys(_ names: [String], store: @escaping KESTrio.StoreFactory) async throws
        -> (unreadable: [String], lost: [String])
    {
        let readers = try await KESTrio.start(cache: CacheConfig(), store: store)
        return try await withAsyncCleanup {
            let unreadable = await failing(names, through: readers)
            guard !unreadable.isEmpty else { return ([], []) }
            try await Task.sleep(for: .seconds(1))
            return (unreadable, await failing(unreadable, through: readers))
        } cleanup: {
            await readers.stop()
        }
    }

    /// The names that some instance of `trio` cannot generate with.
    private static func failing(_ names: [String], through trio: KESTrio) async -> [String] {
        await withTaskGroup(of: [String].self) { group in
            for client in trio.clients {
                group.addTask {
                    var failed: [String] = []
                    for name in names where await client.status(of: { try await $0.generate(name) }) != 200 {
                        failed.append(name)
                    }
                    return failed
                }
            }
            var failed: Set<String> = []
            for await names in group { failed.formUnion(names) }
            return names.filter(failed.contains)
        }
    }
}

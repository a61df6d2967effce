import Foundation
import KESConfig
import KESTestSupport
import Testing

/// One swift-kes instance loses the Raft cluster while the other two keep it. The cluster runs in a
/// network namespace (`backends/netns-fault.sh`) that has a second address, the alias; instance A
/// lists the three nodes at the alias, B and C at the namespace's own address, and the fault is put
/// on the alias only (`--addr`), so the kernel drops or delays A's packets and nobody else's.
///
/// What the alias cannot cut: the active node's advertised `api_addr`, which `VaultActiveNode`
/// learns from `sys/leader` (asked through the configured endpoints, so through the alias) and
/// keeps for `VaultActiveNode.lifetime` (5 s), is the namespace's own address, shared with B and C.
/// While A holds such an address, its creates (and reads that found nothing) go there past the
/// fault. Under the black hole A cannot learn one; under the delay it does (in one slow
/// `sys/leader`), and its next creates are fast. So a create right at the fault is measured apart
/// from the store-bound requests made once an address learned before the fault has run out. Each
/// case prints `ha: partition: …` lines.
@Suite(
    .serialized,
    .enabled(if: NetworkNamespace.unsupportedReason == nil, Comment(rawValue: NetworkNamespace.unsupportedReason ?? "")),
    .enabled(if: OpenBaoRaftCluster.isInstalled, "bao is not installed (backends/install.sh)"),
    PartitionedRaftCluster()
)
struct RaftPartitionHighAvailabilityTests {
    @Test(.timeLimit(.minutes(1)), arguments: [NetworkFault.blackhole, .latency(milliseconds: 2000)])
    func oneInstancePartitionedFromTheCluster(_ fault: NetworkFault) async throws {
        let lab = try #require(PartitionedRaftCluster.current)
        _ = try await lab.cluster.waitForLeader()
        let (plain, alias) = ("//\(lab.namespace.address):", "//\(lab.alias):")
        let store = KESTrio.vault(lab.cluster, prefix: haPrefix("partition-\(fault.tag)")) { instance, addresses in
            instance == 0 ? addresses.map { $0.replacingOccurrences(of: plain, with: alias) } : addresses
        }
        // Long expiry: the cached keys stay cached throughout, so their failures are the cache's.
        let trio = try await KESTrio.start(cache: CacheConfig(expiryAny: .seconds(60), expiryUnused: .seconds(60)), store: store)
        try await withAsyncCleanup {
            try await PartitionDrill(trio: trio, lab: lab, fault: fault).run()
        } cleanup: {
            await #expect(throws: Never.self) { try await lab.namespace.heal() }
            await trio.stop()
        }
    }
}

/// The fault, the loads beside it, the measurements and the recovery of one case.
private struct PartitionDrill {
    let trio: KESTrio
    let lab: PartitionedRaftCluster.Lab
    let fault: NetworkFault
    let clock = ContinuousClock()

    /// `VaultKeyStore.requestTimeout` plus a second of scheduling.
    static let storeBound = Duration.seconds(11)
    /// `statusPing` (1 s in `KESTrio.vault`) plus a second.
    static let recoveryBound = Duration.seconds(2)
    /// `VaultActiveNode.lifetime` plus half a second.
    static let activeNodeLifetime = Duration.milliseconds(5500)

    struct Timed: Sendable {
        let status: Int
        let body: String
        let elapsed: Duration
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var summary: String { "\(status) in \(elapsed.ms) ms" }
        var unreachable: Bool { json["keystore_unreachable"] as? Bool == true }
    }

    func run() async throws {
        let (a, b) = (trio.clients[0], trio.clients[1])
        let cached = "cached"
        #expect(try await b.create(cached).status == 200)
        try await trio.cacheEverywhere(cached)
        // Created elsewhere and never read through A: A must ask the store for it.
        #expect(try await b.create("uncached").status == 200)

        let cachedTally = LoadTally()
        let othersTally = LoadTally()
        var loops: [@Sendable (StopFlag) async -> Void] = [{ stop in await Self.cachedLoop(a, name: cached, stop: stop, tally: cachedTally) }]
        for instance in 1...2 {
            loops.append { stop in await Self.createLoop(trio.clients[instance], instance: instance, stop: stop, tally: othersTally) }
        }
        var early: Timed?
        var store: (create: Timed, generate: Timed, status: Timed)?
        var recovery: (create: Duration?, status: Duration?, attempts: Int) = (nil, nil, 0)
        try await whileLooping(loops) {
            try await lab.namespace.apply(fault, only: lab.alias)
            let faulted = clock.now
            async let earlyCreate = timed { try await a.create("early") }
            try await Task.sleep(until: faulted + Self.activeNodeLifetime)
            async let create = timed { try await a.create("late") }
            async let generate = timed { try await a.generate("uncached") }
            async let status = timed { try await a.get("/v1/status") }
            store = await (create, generate, status)
            early = await earlyCreate
            try await lab.namespace.heal()
            recovery = try await measureRecovery(a)
        }
        report(early: try #require(early), store: try #require(store), recovery: recovery, cached: cachedTally, others: othersTally)
    }

    private func report(
        early: Timed, store: (create: Timed, generate: Timed, status: Timed), recovery: (create: Duration?, status: Duration?, attempts: Int),
        cached: LoadTally, others: LoadTally
    ) {
        let cached = cached.snapshot()
        let others = others.snapshot()
        let label = "ha: partition: \(fault)"
        print(
            "\(label): A cached generates \(cached.requests), failed \(cached.failures.count), slowest \(cached.slowest.ms) ms; "
                + "B+C creates and reads \(others.requests), failed \(others.failures.count), slowest \(others.slowest.ms) ms")
        print(
            "\(label): A at the fault: create \(early.summary); from \(Self.activeNodeLifetime.ms) ms on: "
                + "create \(store.create.summary), uncached generate \(store.generate.summary), "
                + "/v1/status \(store.status.summary) \(store.status.body)")
        print(
            "\(label): after heal: first create 200 after \(recovery.create.map { "\($0.ms) ms" } ?? "none") "
                + "(\(recovery.attempts) attempts), /v1/status reachable after \(recovery.status.map { "\($0.ms) ms" } ?? "none")")

        #expect(cached.failures.isEmpty, "A's cached key failed: \(cached.failures.prefix(5))")
        #expect(others.failures.isEmpty, "B and C failed: \(others.failures.prefix(5))")
        #expect(cached.requests >= 10 && others.requests >= 10, "too little load: \(cached.requests), \(others.requests)")
        #expect(early.elapsed <= Self.storeBound, "create at the fault: \(early.summary)")
        for (name, outcome) in [("create", store.create), ("generate", store.generate)] {
            #expect(outcome.elapsed <= Self.storeBound, "\(name) on A: \(outcome.summary)")
        }
        #expect(store.status.status == 200, "/v1/status on A: \(store.status.summary)")
        switch fault {
        case .latency(let milliseconds):
            #expect(store.create.status == 200 && store.generate.status == 200, "A under \(fault): \(store)")
            #expect(store.status.json["keystore_latency"] as? Int ?? 0 >= milliseconds, "/v1/status on A: \(store.status.body)")
        default:
            #expect(store.create.status == 502 && store.generate.status == 502, "A under \(fault): \(store)")
            #expect(store.status.unreachable, "/v1/status on A: \(store.status.body)")
        }
        #expect(recovery.create.map { $0 <= Self.recoveryBound } == true, "create on A after heal: \(recovery)")
        #expect(recovery.status.map { $0 <= Self.recoveryBound } == true, "/v1/status on A after heal: \(recovery)")
    }

    /// From the heal to the first create through A that succeeds (attempts back to back) and to
    /// the first `/v1/status` through A that finds the store reachable (polled every 100 ms), for
    /// 15 s at most.
    private func measureRecovery(_ a: TestClient) async throws -> (create: Duration?, status: Duration?, attempts: Int) {
        let healed = clock.now
        let giveUp = healed + .seconds(15)
        async let status: Duration? = {
            while clock.now < giveUp {
                let reply = await timed { try await a.get("/v1/status") }
                if reply.status == 200, !reply.unreachable, reply.json["keystore_latency"] != nil { return clock.now - healed }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }()
        var attempts = 0
        var created: Duration?
        while created == nil, clock.now < giveUp {
            attempts += 1
            let name = "after-heal-\(attempts)"
            if await timed({ try await a.create(name) }).status == 200 { created = clock.now - healed }
        }
        return (created, await status, attempts)
    }

    private func timed(_ call: @Sendable () async throws -> TestClient.Reply) async -> Timed {
        let start = clock.now
        let reply = try? await call()
        return Timed(status: reply?.status ?? -1, body: reply?.body ?? "", elapsed: clock.now - start)
    }

    /// A's cached key every 20 ms.
    private static func cachedLoop(_ client: TestClient, name: String, stop: StopFlag, tally: LoadTally) async {
        await paced(every: .milliseconds(20), until: stop) { _ in await record(name, into: tally) { try await client.generate(name) } }
    }

    /// Through B or C: a create and a read of the new key every 100 ms.
    private static func createLoop(_ client: TestClient, instance: Int, stop: StopFlag, tally: LoadTally) async {
        await paced(every: .milliseconds(100), until: stop) { round in
            let name = "other-\(instance)-\(round)"
            await record("create \(name)", into: tally) { try await client.create(name) }
            await record("generate \(name)", into: tally) { try await client.generate(name) }
        }
    }

    /// Runs `round` (numbered from 0) at most once per `interval` until `stop` is raised.
    private static func paced(every interval: Duration, until stop: StopFlag, _ round: (Int) async -> Void) async {
        var number = 0
        while !stop.isRaised, !Task.isCancelled {
            let started = ContinuousClock.now
            await round(number)
            number += 1
            try? await Task.sleep(until: started + interval)
        }
    }

    /// Times one request and counts its outcome (-1 when it got no answer).
    private static func record(_ name: String, into tally: LoadTally, _ request: () async throws -> TestClient.Reply) async {
        let started = ContinuousClock.now
        let status = (try? await request().status) ?? -1
        tally.record(status: status, latency: ContinuousClock.now - started, name: name)
    }
}

/// A Raft cluster inside a network namespace with an alias address, for the whole suite; removed
/// after its last test, also when one fails (and by the scripts' watchers should this process die).
struct PartitionedRaftCluster: SuiteTrait, TestScoping {
    struct Lab: Sendable {
        let namespace: NetworkNamespace
        /// The namespace's second address, which only instance A uses.
        let alias: String
        let cluster: OpenBaoRaftCluster
    }

    @TaskLocal static var current: Lab?

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard NetworkNamespace.unsupportedReason == nil, OpenBaoRaftCluster.isInstalled else { return try await function() }
        let namespace = try await NetworkNamespace.create()
        try await withAsyncCleanup {
            let alias = try await namespace.addAlias()
            let started = ContinuousClock.now
            let cluster = try await OpenBaoRaftCluster.start(in: namespace)
            print("ha: partition: raft cluster start in namespace \(namespace.name): \((ContinuousClock.now - started).ms) ms")
            try await withAsyncCleanup {
                try await Self.$current.withValue(Lab(namespace: namespace, alias: alias, cluster: cluster)) { try await function() }
            } cleanup: {
                await cluster.stop()
            }
        } cleanup: {
            await namespace.remove()
        }
    }
}

import Foundation
import KESConfig
import KESTestSupport
import Testing

/// Several swift-kes instances on one OpenBao Raft cluster (`backends/openbao-raft.sh`), as KES is
/// deployed for high availability: three instances, each listing all three nodes with its own node
/// first. Each test prints its measurements as `ha: …` lines.
///
/// The cluster is started once for the suite (`SharedRaftCluster`); each test works under a key
/// prefix of its own and leaves all three nodes running.
@Suite(.serialized, .enabled(if: OpenBaoRaftCluster.isInstalled, "bao is not installed (backends/install.sh)"), SharedRaftCluster())
struct RaftHighAvailabilityTests {
    /// The suite's cluster with all three nodes running and a leader elected.
    static func healthyCluster() async throws -> OpenBaoRaftCluster {
        let cluster = try #require(SharedRaftCluster.current)
        for node in cluster.addresses.indices where !cluster.isRunning(node) {
            try await cluster.restart(node: node)
        }
        _ = try await cluster.waitForLeader()
        return cluster
    }

    /// Three instances on the healthy cluster, under a key prefix named after `test`.
    static func startTrio(_ test: String, cache: CacheConfig = CacheConfig()) async throws -> KESTrio {
        let cluster = try await healthyCluster()
        return try await KESTrio.start(cache: cache, store: KESTrio.vault(cluster, prefix: haPrefix(test)))
    }
}

/// One Raft cluster for the whole suite, started before its first test and stopped after its last,
/// also when a test fails; should the process die first, the launcher's watchdogs stop the nodes.
struct SharedRaftCluster: SuiteTrait, TestScoping {
    @TaskLocal static var current: OpenBaoRaftCluster?

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard OpenBaoRaftCluster.isInstalled else { return try await function() }
        let clock = ContinuousClock()
        let started = clock.now
        let cluster = try await OpenBaoRaftCluster.start()
        print("ha: raft cluster start: \((clock.now - started).ms) ms")
        try await withAsyncCleanup {
            try await Self.$current.withValue(cluster) { try await function() }
        } cleanup: {
            await cluster.stop()
        }
    }
}

import Foundation
import KESAWS
import KESConfig
import KESKeyStore
import KESTestSupport
import KESVault
import Logging
import Synchronization
import Testing

/// Network faults between swift-kes and its key store, made by the kernel: OpenBao and moto run in
/// a network namespace (`backends/netns-fault.sh`), swift-kes runs here and reaches them over a veth
/// pair, and iptables rules on the host's end of that pair delay, drop or reset its packets.
///
/// Each case caches a key, then, under one fault: cached keys must keep serving; an uncached read,
/// a create and a list must each end within their timeout; `/v1/ready` and `/v1/status` must say
/// what the server sees; after healing, the same server must serve uncached keys again; and no
/// request, connection or descriptor may be left behind. Each case prints one `NETFAULT` line with
/// its measurements.
///
/// The timeouts the bounds derive from, as configured in Sources: every backend call has a 10 s
/// deadline (`VaultKeyStore.requestTimeout`, `AWSSecretsManagerKeyStore.timeout`), Vault's health
/// probe 5 s (`VaultKeyStore.healthTimeout`), AWS's status probe 10 s, and every key route 15 s
/// (`Route`'s default `timeout`, the config's `api:` section).
@Suite(
    .serialized,
    .enabled(if: NetworkNamespace.unsupportedReason == nil, Comment(rawValue: NetworkNamespace.unsupportedReason ?? "")),
    NetworkFaultLab()
)
struct NetworkFaultTests {
    @Test(.enabled(if: OpenBaoLauncher.isInstalled, "bao is not installed (backends/install.sh)"), arguments: NetworkFault.standard)
    func openBao(_ fault: NetworkFault) async throws {
        let lab = try #require(NetworkFaultLab.current)
        let address = try #require(lab.vaultAddress)
        let config = VaultKeyStoreConfig.devSecrets(address, token: NetworkFaultLab.vaultToken, prefix: "kes-\(fault.tag)")
        let store = try await VaultKeyStore(config: config, logger: Logger(label: "netfault"))
        // A Vault create is two calls (read, then write with cas=0); health probes have 5 s.
        let limits = FaultDrill.Limits(createCalls: 2, probeTimeout: .seconds(5))
        try await FaultDrill(storeName: "OpenBao", fault: fault, namespace: lab.namespace, limits: limits).run(on: store)
    }

    @Test(.enabled(if: MotoServer.isInstalled, "moto_server is not installed (backends/install.sh)"), arguments: NetworkFault.standard)
    func moto(_ fault: NetworkFault) async throws {
        let lab = try #require(NetworkFaultLab.current)
        let endpoint = try #require(lab.awsEndpoint)
        var config = AWSSecretsManagerConfig(endpoint: endpoint, region: "us-east-1")
        config.accessKey = "AKIDEXAMPLE"
        config.secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        let store = try await AWSSecretsManagerKeyStore(config: config, logger: Logger(label: "netfault"))
        // Without a KMS key a create is one CreateSecret; the status probe shares the 10 s timeout.
        let limits = FaultDrill.Limits(createCalls: 1, probeTimeout: .seconds(10))
        try await FaultDrill(storeName: "moto", fault: fault, namespace: lab.namespace, limits: limits).run(on: store)
    }
}

/// One namespace with OpenBao and moto inside for the whole suite: starting them costs seconds,
/// and the serialized cases each put their fault on and take it off again. Everything is removed
/// when the suite ends, also when it fails; should the process die first, the scripts' watchers
/// (`BACKEND_OWNER_PID`) remove it.
struct NetworkFaultLab: SuiteTrait, TestScoping {
    static let vaultToken = "swift-kes-netfault-root"

    struct Backends: Sendable {
        let namespace: NetworkNamespace
        let vaultAddress: String?
        let awsEndpoint: String?
    }

    @TaskLocal static var current: Backends?

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let namespace = try await NetworkNamespace.create()
        let directory = TestServer.makeDirectory()
        // Inside a fresh namespace every port is free, so fixed ones do.
        let bao = directory + "/openbao"
        let moto = directory + "/moto"
        do {
            var vaultAddress: String?
            var awsEndpoint: String?
            if OpenBaoLauncher.isInstalled {
                let launched = try await namespace.launch(
                    "openbao-dev.sh", arguments: ["8200", Self.vaultToken, bao], directory: bao, pidName: "openbao.pid")
                vaultAddress = launched.values["VAULT_ADDR"]
            }
            if MotoServer.isInstalled {
                let launched = try await namespace.launch("moto.sh", arguments: ["5000", moto], directory: moto, pidName: "moto.pid")
                awsEndpoint = launched.values["AWS_ENDPOINT"]
            }
            let backends = Backends(namespace: namespace, vaultAddress: vaultAddress, awsEndpoint: awsEndpoint)
            try await Self.$current.withValue(backends) { try await function() }
        } catch {
            await Self.tearDown(namespace, pidFiles: [bao + "/openbao.pid", moto + "/moto.pid"], directory: directory)
            throw error
        }
        await Self.tearDown(namespace, pidFiles: [bao + "/openbao.pid", moto + "/moto.pid"], directory: directory)
    }

    private static func tearDown(_ namespace: NetworkNamespace, pidFiles: [String], directory: String) async {
        for pidFile in pidFiles { await BackendLauncher.stop(pidFile: pidFile) }
        await namespace.remove()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension NetworkFault {
    /// A name part for keys and prefixes.
    var tag: String {
        switch self {
        case .latency: "latency"
        case .loss: "loss"
        case .reset: "reset"
        case .blackhole: "blackhole"
        }
    }
}

/// One fault cycle against one key store: set up healthy, put the fault on, measure, heal,
/// measure the recovery, check for leaks.
struct FaultDrill {
    struct Limits {
        /// Backend calls one create makes.
        var createCalls: Int
        /// The deadline of the store's status probe (`/v1/ready`, `/v1/status`).
        var probeTimeout: Duration
        /// The deadline of each backend call.
        var requestTimeout: Duration = .seconds(10)
        /// The deadline of each key route.
        var routeDeadline: Duration = .seconds(15)
        /// Scheduling on a loaded two-core machine; a hung request overshoots by far more.
        var slack: Duration = .seconds(2)
        /// A cached key is answered from memory: anything near a second is no longer that.
        var cachedMaximum: Duration = .seconds(1)
        /// How long the fault stays on at least, so cached keys are exercised throughout.
        var minimumFault: Duration = .seconds(3)
        /// Idle keep-alive connections a pool may hold after the cycle beyond those it held
        /// before: the fault's three concurrent store calls plus a health probe may each leave
        /// one more than the warm-up did, and the same for the client's connections to swift-kes
        /// (two descriptors each, both ends being in this process).
        var storeSocketSlack = 4
        var frontSocketSlack = 8

        var readBound: Duration { requestTimeout + slack }
        var createBound: Duration {
            let calls = requestTimeout * createCalls
            return (calls < routeDeadline ? calls : routeDeadline) + slack
        }
        var probeBound: Duration { probeTimeout + slack }
    }

    let storeName: String
    let fault: NetworkFault
    let namespace: NetworkNamespace
    let limits: Limits
    private let clock = ContinuousClock()

    init(storeName: String, fault: NetworkFault, namespace: NetworkNamespace, limits: Limits) {
        self.storeName = storeName
        self.fault = fault
        self.namespace = namespace
        self.limits = limits
    }

    func run(on store: any KeyStore) async throws {
        let target = try await FaultTarget.start(store)
        do {
            try await drill(target)
        } catch {
            try? await namespace.heal()
            await target.stop()
            throw error
        }
        await target.stop()
    }

    private func drill(_ target: FaultTarget) async throws {
        let client = target.client
        let tag = fault.tag

        // Healthy: one key cached, others created but never read.
        #expect(try await client.put("/v1/key/create/cached-\(tag)").status == 200)
        let generated = try await client.put("/v1/key/generate/cached-\(tag)", #"{"context":"Y3R4"}"#)
        try #require(generated.status == 200)
        let cached = CachedKey(
            name: "cached-\(tag)", ciphertext: try #require(generated.json["ciphertext"] as? String),
            plaintext: try #require(generated.json["plaintext"] as? String))
        for name in ["uncached-\(tag)", "spare-\(tag)", "warm-\(tag)"] {
            #expect(try await client.put("/v1/key/create/\(name)").status == 200)
        }

        // The same shape of traffic as under the fault, so that both connection pools have grown
        // to their working size before the descriptors are counted.
        let warm = await exercise(client, cached: cached, read: "warm-\(tag)", create: "warm-new-\(tag)", minimum: .milliseconds(500))
        #expect(warm.cachedFailures.isEmpty, "warm-up: \(warm.cachedFailures)")
        #expect([warm.read, warm.create, warm.list, warm.ready].allSatisfy { $0.status == 200 }, "warm-up: \(warm)")
        let activeBefore = try await settledActiveRequests(client)
        #expect(activeBefore == 0)
        let before = DescriptorCensus.take(storeAddress: namespace.address, serverPort: target.port)

        try await namespace.apply(fault)
        let underFault = await exercise(
            client, cached: cached, read: "uncached-\(tag)", create: "new-\(tag)", minimum: limits.minimumFault)
        try await namespace.heal()
        let healed = clock.now

        // Recovery without a restart: the first create that succeeds after healing.
        var recovery: Duration?
        var attempts: [String] = []
        while recovery == nil, clock.now - healed < .seconds(30) {
            let name = "after-\(tag)-\(attempts.count)"
            let reply = await timed { try await client.put("/v1/key/create/\(name)") }
            attempts.append(reply.summary)
            if reply.status == 200 {
                recovery = clock.now - healed
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let ready = await timed { try await client.get("/v1/ready") }
        let spare = await timed { try await client.put("/v1/key/generate/spare-\(tag)", "{}") }
        let list = await timed { try await client.get("/v1/key/list/*") }
        let status = await timed { try await client.get("/v1/status") }

        let activeAfter = try await settledActiveRequests(client)
        let after = await settledCensus(target, within: before)

        check(underFault)
        #expect(recovery != nil && recovery! <= limits.requestTimeout, "\(fault): no recovery after healing: \(attempts)")
        #expect(ready.status == 200, "\(fault): /v1/ready after healing: \(ready.summary)")
        #expect(spare.status == 200, "\(fault): uncached read after healing: \(spare.summary)")
        #expect(list.status == 200, "\(fault): list after healing: \(list.summary)")
        #expect(status.json["keystore_latency"] is Int && status.json["keystore_unavailable"] == nil, "\(fault): \(status.summary)")
        #expect(activeAfter == 0, "\(fault): requests still active after the cycle")
        #expect(after.store <= before.store + limits.storeSocketSlack, "\(fault): store sockets \(before) → \(after)")
        #expect(after.front <= before.front + limits.frontSocketSlack, "\(fault): front sockets \(before) → \(after)")

        print(
            "NETFAULT | \(storeName) | \(fault) | cached n=\(underFault.cachedLatencies.count) "
                + "p50 \(Self.ms(underFault.cachedPercentile(0.5))) max \(Self.ms(underFault.cachedPercentile(1))) "
                + "| read \(underFault.read.summary) create \(underFault.create.summary) list \(underFault.list.summary) "
                + "worst \(Self.ms(underFault.worstUncached)) | ready \(underFault.ready.summary) status \(underFault.status.summary) "
                + "| recovery \(recovery.map(Self.ms) ?? "none") (\(attempts.count) attempts) | fds \(before) → \(after) "
                + "| active \(activeAfter.map { String($0) } ?? "?")")
    }

    /// The expectations under the fault; see the type's documentation for the timeouts.
    private func check(_ run: Exercise) {
        let label = "\(storeName) \(fault)"
        #expect(run.cachedFailures.isEmpty, "\(label): cached key failed: \(run.cachedFailures.prefix(5))")
        #expect(run.cachedLatencies.count >= 10, "\(label): too few cached requests: \(run.cachedLatencies.count)")
        #expect(run.cachedPercentile(1) < limits.cachedMaximum, "\(label): cached max \(Self.ms(run.cachedPercentile(1)))")

        #expect(run.read.elapsed <= limits.readBound, "\(label): uncached read took \(run.read.summary)")
        #expect(run.list.elapsed <= limits.readBound, "\(label): list took \(run.list.summary)")
        #expect(run.create.elapsed <= limits.createBound, "\(label): create took \(run.create.summary)")
        #expect(run.ready.elapsed <= limits.probeBound, "\(label): /v1/ready took \(run.ready.summary)")
        #expect(run.status.elapsed <= limits.probeBound, "\(label): /v1/status took \(run.status.summary)")

        let unreachable = "key store is not reachable"
        switch fault {
        case .latency(let milliseconds):
            // Slower than the delay but well within every timeout: everything must still work.
            for (name, outcome) in [("read", run.read), ("create", run.create), ("list", run.list), ("ready", run.ready)] {
                #expect(outcome.status == 200, "\(label): \(name) \(outcome.summary)")
            }
            let latency = run.status.json["keystore_latency"] as? Int ?? 0
            #expect(latency >= milliseconds, "\(label): /v1/status \(run.status.summary)")
        case .loss:
            // TCP retransmits mostly get through; when they don't in time, the answer is the
            // regular outage one. A Vault create (two calls) may run into the route deadline, at
            // which the server closes the connection unanswered, as KES does.
            for (name, outcome, message) in [
                ("read", run.read, "bad gateway: failed to access key"), ("create", run.create, "bad gateway: failed to create key"),
                ("list", run.list, "bad gateway: failed to list keys"),
            ] {
                let atDeadline = name == "create" && outcome.status == 0 && outcome.elapsed >= limits.routeDeadline - .milliseconds(500)
                #expect(outcome.status == 200 || outcome.answered(502, message) || atDeadline, "\(label): \(name) \(outcome.summary)")
            }
            #expect(run.ready.status == 200 || run.ready.answered(504, unreachable), "\(label): \(run.ready.summary)")
            #expect(run.status.status == 200, "\(label): /v1/status \(run.status.summary)")
        case .reset, .blackhole:
            #expect(run.read.answered(502, "bad gateway: failed to access key"), "\(label): read \(run.read.summary)")
            #expect(run.create.answered(502, "bad gateway: failed to create key"), "\(label): create \(run.create.summary)")
            #expect(run.list.answered(502, "bad gateway: failed to list keys"), "\(label): list \(run.list.summary)")
            #expect(run.ready.answered(504, unreachable), "\(label): /v1/ready \(run.ready.summary)")
            #expect(run.status.status == 200, "\(label): /v1/status \(run.status.summary)")
            #expect(run.status.json["keystore_unavailable"] as? Bool == true, "\(label): /v1/status \(run.status.summary)")
            #expect(run.status.json["keystore_unreachable"] as? Bool == true, "\(label): /v1/status \(run.status.summary)")
            if fault == .reset {
                // A RST answers at once; nothing has to wait for a timeout.
                #expect(run.worstUncached <= limits.slack, "\(label): a reset took \(Self.ms(run.worstUncached))")
            }
        }
    }

    // MARK: - Traffic

    struct CachedKey {
        let name: String
        let ciphertext: String
        let plaintext: String
    }

    struct Outcome: Sendable {
        /// 0 when no HTTP answer came (the connection closed or the client gave up).
        let status: Int
        let body: String
        let error: String?
        let elapsed: Duration

        private var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
        /// The body as a JSON object; a body that is not one fails the test rather than reading as empty.
        var json: [String: Any] {
            guard let object else {
                Issue.record("not a JSON object: \(body.prefix(200))")
                return [:]
            }
            return object
        }
        var message: String? { object?["message"] as? String }
        func answered(_ expected: Int, _ text: String) -> Bool { status == expected && message == text }
        var summary: String {
            let detail = error ?? (status == 200 ? "" : " " + (message ?? body))
            return "\(status) in \(FaultDrill.ms(elapsed))\(detail.isEmpty ? "" : detail)"
        }
    }

    struct Exercise: Sendable, CustomStringConvertible {
        var cachedLatencies: [Duration]
        var cachedFailures: [String]
        var read: Outcome
        var create: Outcome
        var list: Outcome
        var ready: Outcome
        var status: Outcome

        var worstUncached: Duration { max(read.elapsed, create.elapsed, list.elapsed) }

        func cachedPercentile(_ fraction: Double) -> Duration {
            let sorted = cachedLatencies.sorted()
            guard !sorted.isEmpty else { return .zero }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
        }

        var description: String {
            "read \(read.summary), create \(create.summary), list \(list.summary), ready \(ready.summary), status \(status.summary)"
        }
    }

    private final class StopFlag: Sendable {
        private let flag = Atomic(false)
        func set() { flag.store(true, ordering: .releasing) }
        var isSet: Bool { flag.load(ordering: .acquiring) }
    }

    private func timed(_ call: @Sendable () async throws -> TestClient.Reply) async -> Outcome {
        let start = clock.now
        do {
            let reply = try await call()
            return Outcome(status: reply.status, body: reply.body, error: nil, elapsed: clock.now - start)
        } catch {
            return Outcome(status: 0, body: "", error: " no answer: \(error)", elapsed: clock.now - start)
        }
    }

    /// Cached requests throughout, and at the same time one uncached read, one create, one list,
    /// `/v1/ready` and `/v1/status`; runs at least `minimum`.
    private func exercise(_ client: TestClient, cached: CachedKey, read: String, create: String, minimum: Duration) async -> Exercise {
        let stop = StopFlag()
        let started = clock.now
        async let cachedTraffic = cachedLoop(client, cached, until: stop)
        async let readOutcome = timed { try await client.put("/v1/key/generate/\(read)", "{}") }
        async let createOutcome = timed { try await client.put("/v1/key/create/\(create)") }
        async let listOutcome = timed { try await client.get("/v1/key/list/*") }
        async let readyOutcome = timed { try await client.get("/v1/ready") }
        async let statusOutcome = timed { try await client.get("/v1/status") }
        let outcomes = await (readOutcome, createOutcome, listOutcome, readyOutcome, statusOutcome)
        // Keeps the fault on for its minimum duration; the requests above have all ended.
        let remaining = minimum - (clock.now - started)
        if remaining > .zero { try? await Task.sleep(for: remaining) }
        stop.set()
        let (latencies, failures) = await cachedTraffic
        return Exercise(
            cachedLatencies: latencies, cachedFailures: failures, read: outcomes.0, create: outcomes.1, list: outcomes.2,
            ready: outcomes.3, status: outcomes.4)
    }

    private func cachedLoop(_ client: TestClient, _ key: CachedKey, until stop: StopFlag) async -> ([Duration], [String]) {
        var latencies: [Duration] = []
        var failures: [String] = []
        while !stop.isSet {
            let generate = await timed { try await client.put("/v1/key/generate/\(key.name)", "{}") }
            latencies.append(generate.elapsed)
            if generate.status != 200 { failures.append("generate \(generate.summary)") }
            let decrypt = await timed {
                try await client.put("/v1/key/decrypt/\(key.name)", #"{"ciphertext":"\#(key.ciphertext)","context":"Y3R4"}"#)
            }
            latencies.append(decrypt.elapsed)
            if decrypt.status != 200 || decrypt.json["plaintext"] as? String != key.plaintext {
                failures.append("decrypt \(decrypt.summary)")
            }
            // A steady trickle, not a load test: the two cores are shared with the servers.
            try? await Task.sleep(for: .milliseconds(20))
        }
        return (latencies, failures)
    }

    // MARK: - Leak checks

    /// `kes_http_request_active` once it reads 0, or its last value after the route deadline plus
    /// slack (a request must have ended by then). `/v1/metrics` itself is not metered.
    private func settledActiveRequests(_ client: TestClient) async throws -> Int? {
        let giveUp = clock.now + limits.routeDeadline + limits.slack
        var last: Int?
        repeat {
            let metrics = try await client.get("/v1/metrics")
            last = Self.gauge("kes_http_request_active", in: metrics.body)
            if last == 0 { return 0 }
            try await Task.sleep(for: .milliseconds(50))
        } while clock.now < giveUp
        return last
    }

    /// Closing a socket completes on an event loop a moment after the request that used it, so
    /// the count is polled until it is back within the slack, for a few seconds at most.
    private func settledCensus(_ target: FaultTarget, within before: DescriptorCensus) async -> DescriptorCensus {
        let giveUp = clock.now + .seconds(5)
        while true {
            let now = DescriptorCensus.take(storeAddress: namespace.address, serverPort: target.port)
            let settled = now.store <= before.store + limits.storeSocketSlack && now.front <= before.front + limits.frontSocketSlack
            if settled || clock.now >= giveUp { return now }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    static func gauge(_ name: String, in exposition: String) -> Int? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)).map { Int($0) }
        }
        return nil
    }

    static func ms(_ duration: Duration) -> String {
        let millis = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return millis < 10 ? String(format: "%.1f ms", millis) : String(format: "%.0f ms", millis)
    }
}

/// A swift-kes server serving as `kes server` does, through `run()`: with the cache's health
/// probes and expiry sweeps going on beside the requests.
struct FaultTarget {
    let server: TestServer
    let client: TestClient
    let port: Int
    private let runner: Task<Void, Never>
    private let finished: Finished

    private final class Finished: Sendable {
        let flag = Atomic(false)
    }

    static func start(_ store: any KeyStore) async throws -> FaultTarget {
        let server = try await TestServer(keyStore: store, start: false) { config in
            // Keeps the cached key cached for the whole case however its use is paced, so that
            // only the fault could stop it from serving.
            config.cache = CacheConfig(expiryAny: .seconds(3600), expiryUnused: .seconds(3600))
        }
        let finished = Finished()
        let runner = Task {
            do {
                try await server.server.run()
            } catch {
                Issue.record("the server stopped with an error: \(error)")
            }
            finished.flag.store(true, ordering: .releasing)
        }
        let clock = ContinuousClock()
        let giveUp = clock.now + .seconds(10)
        while server.server.localPort == nil, clock.now < giveUp {
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let port = server.server.localPort else {
            server.stop()
            throw NetworkNamespace.Failure(description: "swift-kes did not start listening within 10 s")
        }
        return FaultTarget(server: server, client: try TestClient(port: port, identity: server.admin), port: port, runner: runner, finished: finished)
    }

    /// Drops every connection and waits for `run()` to drain and close the key store.
    func stop() async {
        server.stop()
        let clock = ContinuousClock()
        let giveUp = clock.now + .seconds(20)
        while !finished.flag.load(ordering: .acquiring), clock.now < giveUp {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let stopped = finished.flag.load(ordering: .acquiring)
        #expect(stopped, "swift-kes did not stop within 20 s of shutdownNow()")
        if !stopped { runner.cancel() }
    }
}

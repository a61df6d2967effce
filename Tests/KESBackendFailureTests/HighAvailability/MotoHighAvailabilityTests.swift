import Foundation
import KESConfig
import KESTestSupport
import Testing

/// Three swift-kes instances on one moto (AWS Secrets Manager): create races, and moto restarted
/// under them. moto keeps everything in memory, so a restart loses every secret: cached keys must
/// keep serving, creates must fail fast while moto is down and work again once it is back.
@Suite(.serialized, .enabled(if: MotoServer.isInstalled, "moto_server is not installed (backends/install.sh)"))
struct MotoHighAvailabilityTests {
    @Test(.timeLimit(.minutes(1)))
    func createRacesAcrossInstances() async throws {
        let moto = try await MotoServer.start()
        try await withAsyncCleanup {
            let expiry = Duration.seconds(2)
            let trio = try await KESTrio.start(cache: CacheConfig(expiryAny: expiry), store: KESTrio.aws(endpoint: moto.endpoint))
            try await withAsyncCleanup {
                try await CreateRace(trio: trio, label: "moto", expiry: expiry, storeCreatesAtomically: false).run(names: 30)
            } cleanup: {
                await trio.stop()
            }
        } cleanup: {
            await moto.shutdown()
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func cachedKeysServeThroughAMotoRestart() async throws {
        let moto = try await MotoServer.start()
        try await withAsyncCleanup {
            let trio = try await KESTrio.start(cache: CacheConfig(), store: KESTrio.aws(endpoint: moto.endpoint))
            try await withAsyncCleanup {
                try await restartDrill(trio: trio, moto: moto)
            } cleanup: {
                await trio.stop()
            }
        } cleanup: {
            await moto.shutdown()
        }
    }

    private func restartDrill(trio: KESTrio, moto: MotoServer) async throws {
        let clock = ContinuousClock()
        let cachedKeys = (0..<3).map { "cached-\($0)" }
        for name in cachedKeys {
            #expect(try await trio.clients[0].create(name).status == 200)
            try await trio.cacheEverywhere(name)
        }

        let stopping = clock.now
        await moto.stop()
        let stopped = clock.now - stopping

        // Down: cached keys through every instance, and creates every 200 ms through each.
        var cachedFailures: [String] = []
        var cachedRequests = 0
        var createStatuses: [Int: Int] = [:]
        var slowestCreate = Duration.zero
        let downUntil = clock.now + .seconds(1)
        var sequence = 0
        while clock.now < downUntil {
            for (instance, client) in trio.clients.enumerated() {
                for name in cachedKeys {
                    cachedRequests += 1
                    let status = await client.status { try await $0.generate(name) }
                    if status != 200 { cachedFailures.append("\(name) through \(instance): \(status)") }
                }
                let started = clock.now
                let status = await client.status { try await $0.create("down-\(sequence)") }
                slowestCreate = max(slowestCreate, clock.now - started)
                createStatuses[status, default: 0] += 1
                sequence += 1
            }
            try await Task.sleep(for: .milliseconds(200))
        }

        let launching = clock.now
        try await moto.launch()
        let launched = clock.now - launching
        // Back: the first create that succeeds through each instance.
        var recovered: [Int: Duration] = [:]
        let deadline = clock.now + .seconds(10)
        while recovered.count < trio.clients.count, clock.now < deadline {
            for (instance, client) in trio.clients.enumerated() where recovered[instance] == nil {
                if await client.status(of: { try await $0.create("back-\(instance)-\(sequence)") }) == 200 {
                    recovered[instance] = clock.now - launching
                }
                sequence += 1
            }
            if recovered.count < trio.clients.count { try await Task.sleep(for: .milliseconds(200)) }
        }
        var cachedAfter = 0
        for client in trio.clients {
            for name in cachedKeys where await client.status(of: { try await $0.generate(name) }) == 200 { cachedAfter += 1 }
        }

        let createsDown = createStatuses.values.reduce(0, +)
        print(
            "ha: moto-restart: moto stopped in \(stopped.ms) ms, relaunched on its port in \(launched.ms) ms; while down: "
                + "\(cachedRequests) cached generates, \(cachedFailures.count) failed; \(createsDown) creates, statuses \(createStatuses), "
                + "slowest \(slowestCreate.ms) ms")
        print(
            "ha: moto-restart: first create after relaunch per instance "
                + "\(trio.clients.indices.map { recovered[$0].map { "\($0.ms) ms" } ?? "never" }); "
                + "cached keys after the restart \(cachedAfter)/\(cachedKeys.count * trio.clients.count)")
        #expect(cachedFailures.isEmpty, "\(cachedFailures.prefix(10))")
        #expect(createStatuses[200] == nil, "a create succeeded while moto was down")
        #expect(slowestCreate < .seconds(2))
        #expect(recovered.count == trio.clients.count, "an instance never created again")
        #expect(cachedAfter == cachedKeys.count * trio.clients.count)
    }
}

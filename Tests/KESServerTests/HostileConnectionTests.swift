import Foundation
import KESConfig
import KESTestSupport
import Synchronization
import Testing

/// Clients that hold connections without using them: silent TCP, plain HTTP on the TLS port,
/// heads trickled a byte at a time, and floods past the connection cap. Real clients must keep
/// being served, and every descriptor must come back when the attack stops.
@Suite(.serialized, .timeLimit(.minutes(2))) struct HostileConnectionTests {
    @Test func silentPlainAndSlowClientsAreCutWhileARealClientIsServed() async throws {
        let cap = 150
        let server = try await TestServer { $0.http = HTTPConfig(maxConnections: cap, headerTimeout: .seconds(1)) }
        defer { server.stop() }
        let client = try server.client()
        #expect(try await client.get("/version").status == 200)
        // Sockets on this server's port only: other suites open descriptors in this process too.
        let baseline = DescriptorCensus.take(storeAddress: "", serverPort: server.port).front

        let traffic = RealClientTraffic(client: client)
        let mostOpen = Mutex(0)
        let watcher = Task {
            while !Task.isCancelled {
                let open = server.server.openConnectionCount
                mostOpen.withLock { $0 = max($0, open) }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }

        // Twice the cap in silent connections, and plain HTTP where TLS is expected.
        let silent = try (0..<(2 * cap)).map { _ in try PlainSocket(port: server.port) }
        let plain = try (0..<50).map { _ in try PlainSocket(port: server.port) }
        for socket in plain { socket.send("GET /version HTTP/1.1\r\nHost: localhost\r\n\r\n") }
        // Heads trickled one byte every 200 ms over finished TLS handshakes.
        let slowHeadLifetimes = try await withThrowingTaskGroup(of: Duration?.self) { group in
            for _ in 0..<30 {
                group.addTask { try await Self.trickleHead(port: server.port, identity: server.admin) }
            }
            return try await group.reduce(into: [Duration?]()) { $0.append($1) }
        }
        // Silent connections end at the handshake deadline, or earlier when the cap sheds them.
        try await waitUntil(seconds: 5) { silent.allSatisfy { $0.isClosedByPeer } && plain.allSatisfy { $0.isClosedByPeer } }
        // How many requests fit in the attack depends on the machine's load; the client keeps
        // going, with the attackers' sockets still open, until it has made enough to judge.
        let served = await traffic.stop(afterAtLeast: 21)
        watcher.cancel()

        #expect(silent.allSatisfy { $0.isClosedByPeer }, "a silent connection outlived the handshake deadline")
        #expect(plain.allSatisfy { $0.isClosedByPeer }, "plain HTTP on the TLS port was kept")
        #expect(slowHeadLifetimes.allSatisfy { $0 != nil }, "a trickled head was never cut")
        // The deadline itself is exact (ConnectionHandlerTests, on the embedded loop's clock).
        // Here, on a machine shared with the rest of the suite, what must hold is that no
        // trickled head is kept anywhere near the 90 s idle timeout that bytes used to renew.
        let lifetimes = slowHeadLifetimes.compactMap { $0 }.sorted()
        #expect((lifetimes.last ?? .zero) < .seconds(12), "trickled heads lived \(lifetimes) with a 1 s header timeout")
        #expect(mostOpen.withLock { $0 } <= cap)
        #expect(served.failures.isEmpty, "real requests failed: \(served.failures.prefix(3))")
        #expect(served.latencies.count > 20)
        // The bound stated in RELIABILITY.md for this test: alone it measures 70–130 ms; the rest
        // of the suite shares the two cores, so the bound only tells served from starved.
        #expect(served.slowest < .seconds(5), "a real request took \(served.slowest) during the attack")

        // Resources come back once the attackers are gone.
        for socket in silent + plain { socket.close() }
        try await waitUntil(seconds: 5) { server.server.openConnectionCount <= 1 }
        #expect(server.server.openConnectionCount <= 1)
        let after = DescriptorCensus.take(storeAddress: "", serverPort: server.port).front
        #expect(after <= baseline + 2, "sockets on the server's port: \(baseline) before the attack, \(after) after")
        #expect(try await client.get("/version").status == 200)
    }

    @Test func atTheCapTheConnectionsWaitingLongestMakeRoom() async throws {
        let cap = 20
        // A long header timeout, so that only the cap closes connections here.
        let server = try await TestServer { $0.http = HTTPConfig(maxConnections: cap, headerTimeout: .seconds(60)) }
        defer { server.stop() }
        let first = try (0..<cap).map { _ in try PlainSocket(port: server.port) }
        try await waitUntil(seconds: 5) { server.server.openConnectionCount == cap }
        let second = try (0..<10).map { _ in try PlainSocket(port: server.port) }
        let shedFromFirst = { first.filter { $0.isClosedByPeer }.count }
        try await waitUntil(seconds: 5) { shedFromFirst() == 10 }

        // Accepts are spread over the event loops, so which ten of the first twenty go is only
        // nearly in order; that the newcomers all stay is exact.
        #expect(shedFromFirst() == 10, "the connections already waiting were not the ones shed")
        #expect(!second.contains { $0.isClosedByPeer })
        #expect(server.server.openConnectionCount == cap)
        // A real client still gets in, in place of one more silent connection.
        #expect(try await server.client().get("/version").status == 200)
        try await waitUntil(seconds: 5) { shedFromFirst() == 11 }
        #expect(shedFromFirst() == 11)
        #expect(!second.contains { $0.isClosedByPeer })
    }

    /// Sends a request head one byte every 200 ms after a complete TLS handshake; returns how
    /// long the server let it trickle, or nil if it was never cut within 12 s.
    private static func trickleHead(port: Int, identity: TestIdentity) async throws -> Duration? {
        try await RawTLSConnection.with(port: port, identity: identity) { connection in
            let start = ContinuousClock.now
            for byte in "GET /version HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".utf8.cycled(to: 60) {
                do {
                    try await connection.send(String(UnicodeScalar(byte)))
                } catch {
                    return ContinuousClock.now - start
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            return nil
        }
    }

    private func waitUntil(seconds: Int, _ condition: () -> Bool) async throws {
        let giveUp = ContinuousClock.now + .seconds(seconds)
        while !condition(), ContinuousClock.now < giveUp {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A real client sending `/version` in a loop over its keep-alive connection.
private final class RealClientTraffic: Sendable {
    struct Served {
        var latencies: [Duration] = []
        var failures: [String] = []
        var slowest: Duration { latencies.max() ?? .zero }
    }

    private final class Record: Sendable {
        let served = Mutex(Served())
    }

    private let record = Record()
    private let task: Task<Void, Never>

    init(client: TestClient) {
        let record = self.record
        task = Task {
            while !Task.isCancelled {
                let start = ContinuousClock.now
                do {
                    let reply = try await client.get("/version")
                    let elapsed = ContinuousClock.now - start
                    record.served.withLock {
                        if reply.status == 200 { $0.latencies.append(elapsed) } else { $0.failures.append("status \(reply.status)") }
                    }
                } catch {
                    if Task.isCancelled { break }
                    record.served.withLock { $0.failures.append("\(error)") }
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    func stop(afterAtLeast count: Int) async -> Served {
        let giveUp = ContinuousClock.now + .seconds(30)
        while record.served.withLock({ $0.latencies.count + $0.failures.count }) < count, ContinuousClock.now < giveUp {
            try? await Task.sleep(for: .milliseconds(10))
        }
        task.cancel()
        await task.value
        return record.served.withLock { $0 }
    }
}

extension Sequence {
    /// The elements repeated until `count` have been produced.
    fileprivate func cycled(to count: Int) -> [Element] {
        let elements = Array(self)
        guard !elements.isEmpty else { return [] }
        return (0..<count).map { elements[$0 % elements.count] }
    }
}

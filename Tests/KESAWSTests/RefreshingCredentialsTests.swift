import Foundation
import Synchronization
import Testing

@testable import KESAWS

/// The renewal rules on a hand-moved wall clock, with fetches that finish only when the test
/// lets them.
@Suite struct RefreshingCredentialsTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func credentials(_ id: String, expiresIn seconds: TimeInterval, from time: Date = start) -> ExpiringCredentials {
        ExpiringCredentials(
            AWSCredentials(accessKeyID: id, secretAccessKey: "secret-\(id)", sessionToken: "token-\(id)"),
            expiration: time.addingTimeInterval(seconds))
    }

    /// A clock, a fetch counter and a gate the fetches wait at. Fetch N yields `FN`.
    final class Rig: Sendable {
        let time = Mutex(RefreshingCredentialsTests.start)
        let fetches = Atomic(0)
        let gate = Gate()
        let failures = Mutex<[String]>([])

        func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }

        func provider(
            initial: ExpiringCredentials?, margin: Duration = .seconds(300), lifetime: TimeInterval = 600, failing: Bool = false
        ) -> RefreshingCredentials {
            RefreshingCredentials(
                source: "test source", initial: initial, margin: margin, retryInterval: .seconds(10),
                now: { self.time.withLock { $0 } },
                onFailure: { error in self.failures.withLock { $0.append(error.description) } },
                fetch: {
                    let number = self.fetches.add(1, ordering: .relaxed).newValue
                    await self.gate.wait()
                    if failing { throw AWSCredentialsError("boom") }
                    return RefreshingCredentialsTests.credentials("F\(number)", expiresIn: lifetime, from: self.time.withLock { $0 })
                })
        }
    }

    /// Holds fetches until `open()`; once open, lets everything through.
    actor Gate {
        private var isOpen = false
        private var waiting: [CheckedContinuation<Void, Never>] = []

        func wait() async {
            if isOpen { return }
            await withCheckedContinuation { waiting.append($0) }
        }

        func open() {
            isOpen = true
            for continuation in waiting { continuation.resume() }
            waiting = []
        }
    }

    @Test func currentCredentialsAreServedUntilTheMargin() async throws {
        let rig = Rig()
        let provider = rig.provider(initial: Self.credentials("ID-1", expiresIn: 600))
        rig.advance(299)
        #expect(try await provider.credentials().accessKeyID == "ID-1")
        #expect(rig.fetches.load(ordering: .relaxed) == 0)
    }

    @Test func withinTheMarginOneBackgroundFetchRunsAndNobodyWaits() async throws {
        let rig = Rig()
        let provider = rig.provider(initial: Self.credentials("ID-1", expiresIn: 600))
        rig.advance(301)
        // The fetch is held at the gate, yet every request is answered at once with ID-1.
        for _ in 0..<20 {
            #expect(try await provider.credentials().accessKeyID == "ID-1")
        }
        try await waitUntil { rig.fetches.load(ordering: .relaxed) == 1 }
        await rig.gate.open()
        try await waitUntil { try await provider.credentials().accessKeyID == "F1" }
        #expect(rig.fetches.load(ordering: .relaxed) == 1)
    }

    @Test func expiredCredentialsMakeRequestsWaitForOneSharedFetch() async throws {
        let rig = Rig()
        let provider = rig.provider(initial: Self.credentials("ID-1", expiresIn: 600))
        rig.advance(601)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<16 {
                group.addTask { try await provider.credentials().accessKeyID }
            }
            try await waitUntil { rig.fetches.load(ordering: .relaxed) == 1 }
            try await Task.sleep(for: .milliseconds(50))
            await rig.gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(ids == Array(repeating: "F1", count: 16))
        #expect(rig.fetches.load(ordering: .relaxed) == 1)
    }

    @Test func noInitialCredentialsFetchOnFirstUse() async throws {
        let rig = Rig()
        await rig.gate.open()
        let provider = rig.provider(initial: nil)
        #expect(try await provider.credentials().accessKeyID == "F1")
        #expect(try await provider.credentials().accessKeyID == "F1")
        #expect(rig.fetches.load(ordering: .relaxed) == 1)
    }

    @Test func aFailedRenewalKeepsValidCredentialsAndWaitsBeforeTheNext() async throws {
        let rig = Rig()
        await rig.gate.open()
        let provider = rig.provider(initial: Self.credentials("ID-1", expiresIn: 600), failing: true)
        rig.advance(400)
        #expect(try await provider.credentials().accessKeyID == "ID-1")
        try await waitUntil { rig.failures.withLock { $0.count } == 1 }
        rig.advance(5)
        #expect(try await provider.credentials().accessKeyID == "ID-1")
        #expect(rig.fetches.load(ordering: .relaxed) == 1)
        rig.advance(6)
        #expect(try await provider.credentials().accessKeyID == "ID-1")
        try await waitUntil { rig.fetches.load(ordering: .relaxed) == 2 }
        #expect(rig.failures.withLock { $0.first } == "cannot refresh credentials from test source: boom")
    }

    @Test func expiredAndFailingFailsFastUntilTheRetryInterval() async throws {
        let rig = Rig()
        await rig.gate.open()
        let provider = rig.provider(initial: Self.credentials("ID-1", expiresIn: 600), failing: true)
        rig.advance(700)
        await #expect(throws: AWSCredentialsError("cannot refresh credentials from test source: boom")) {
            _ = try await provider.credentials()
        }
        await #expect(throws: AWSCredentialsError.self) { _ = try await provider.credentials() }
        #expect(rig.fetches.load(ordering: .relaxed) == 1)
        rig.advance(10)
        await #expect(throws: AWSCredentialsError.self) { _ = try await provider.credentials() }
        #expect(rig.fetches.load(ordering: .relaxed) == 2)
    }

    @Test func shortLivedCredentialsRenewAtHalfTheirLifetime() {
        let fetched = Self.start
        let short = Self.credentials("S", expiresIn: 60)
        #expect(RefreshingCredentials.renewalTime(of: short, fetchedAt: fetched, margin: .seconds(300)) == fetched.addingTimeInterval(30))
        let long = Self.credentials("L", expiresIn: 3600)
        #expect(RefreshingCredentials.renewalTime(of: long, fetchedAt: fetched, margin: .seconds(300)) == fetched.addingTimeInterval(3300))
        let permanent = ExpiringCredentials(AWSCredentials(accessKeyID: "P", secretAccessKey: "s"))
        #expect(RefreshingCredentials.renewalTime(of: permanent, fetchedAt: fetched, margin: .seconds(300)) == .distantFuture)
    }
}

/// Polls `condition` every 10 ms for up to `limit`; records an issue when it never holds.
func waitUntil(
    _ limit: Duration = .seconds(5), sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("condition did not hold within \(limit)", sourceLocation: sourceLocation)
}

import Foundation
import KESConfig
import KESFileStore
import KESTestSupport
import Testing

/// The cache's background loop (expiry sweeps, health probes) as the server runs it: these
/// pass only when the server runs through `run()`, as in production, since nothing else
/// sweeps the cache. The expiries are short so the tests wait about a second, and each waits
/// by polling what a client sees, with a deadline.
@Suite struct CacheExpiryThroughServerTests {
    /// How long a sweep may take to show: the expiry, the loop's tick, and scheduling slack.
    static let deadline: Duration = .seconds(10)

    /// `cache.expiry.any`: a key loaded once is dropped after that long, used or not, and the
    /// next request reads the store again. Deleting the file behind the server's back makes
    /// that read visible: the cached key serves, the reloaded one is gone.
    @Test func anyExpiryDropsLoadedKeys() async throws {
        let server = try await TestServer { config in
            config.cache.expiryAny = .seconds(1)
        }
        try await withAsyncCleanup {
            let client = try server.client()
            #expect(try await client.put("/v1/key/create/aging").status == 200)
            #expect(try await client.put("/v1/key/generate/aging", "{}").status == 200)
            try FileManager.default.removeItem(atPath: server.directory + "/keys/aging")
            #expect(try await client.put("/v1/key/generate/aging", "{}").status == 200, "served from the cache")

            let started = ContinuousClock.now
            var last = try await client.put("/v1/key/generate/aging", "{}")
            while last.status == 200, ContinuousClock.now - started < Self.deadline {
                try await Task.sleep(for: .milliseconds(100))
                last = try await client.put("/v1/key/generate/aging", "{}")
            }
            #expect(last.status == 404, "the expired key was read again, and the store no longer has it: \(last.body)")
            #expect(last.message == "key does not exist")
        } cleanup: {
            await #expect(throws: Never.self) { try await server.stopAndWait() }
        }
    }

    /// `cache.expiry.offline`: while the store is offline, cached keys serve for that long and
    /// are then dropped, so requests for them fail like any other request needing the store.
    /// When it is back, the keys load again.
    @Test func offlineExpiryDropsKeysDuringAnOutage() async throws {
        let directory = TestServer.makeDirectory()
        let store = SwitchableStore(try FileKeyStore(path: directory + "/keys"))
        let server = try await TestServer(directory: directory, keyStore: store) { config in
            config.cache.expiryOffline = .seconds(1)
        }
        try await withAsyncCleanup {
            let client = try server.client()
            #expect(try await client.put("/v1/key/create/cached").status == 200)
            #expect(try await client.put("/v1/key/generate/cached", "{}").status == 200)

            store.setOffline(true)
            // The probe behind /v1/ready marks the store offline; from then on the clock runs.
            try expectExactError(try await client.get("/v1/ready"), status: 504, message: "key store is not reachable")
            #expect(try await client.put("/v1/key/generate/cached", "{}").status == 200, "served from the cache")

            let started = ContinuousClock.now
            var last = try await client.put("/v1/key/generate/cached", "{}")
            while last.status == 200, ContinuousClock.now - started < Self.deadline {
                try await Task.sleep(for: .milliseconds(100))
                last = try await client.put("/v1/key/generate/cached", "{}")
            }
            try expectExactError(last, status: 502, message: "bad gateway: failed to access key")

            store.setOffline(false)
            #expect(try await client.get("/v1/ready").status == 200)
            #expect(try await client.put("/v1/key/generate/cached", "{}").status == 200)
        } cleanup: {
            await #expect(throws: Never.self) { try await server.stopAndWait() }
        }
    }
}

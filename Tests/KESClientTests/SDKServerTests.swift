import Foundation
import KESClient
import KESConfig
import KESCore
import KESTestSupport
import Testing

@Suite("SDK: server routes, auth and failover")
struct SDKServerTests {
    @Test func versionStatusAPIAndMetrics() async throws {
        try await withFixture { fixture in
            let client = fixture.client
            #expect(try await client.version().version.isEmpty == false)
            #expect(try await client.isReady())
            let status = try await client.status()
            #expect(status.keyStoreUnavailable == false)
            #expect(status.keyStoreLatency != nil)
            #expect(status.uptime >= 0 && status.uptime < 3600)
            let routes = try await client.api()
            #expect(routes.contains { $0.path == "/v1/key/create/" && $0.timeout == 15 })
            #expect(routes.contains { $0.path == "/v1/log/audit" && $0.timeout == 0 })
            let metrics = try await client.metrics()
            #expect(metrics.contains("kes_system_up_time"))
        }
    }

    @Test func certificateAuthenticationAndPolicies() async throws {
        let app = try TestIdentity.ecdsa()
        let stranger = try TestIdentity.rsa()
        let policies: @Sendable (inout ServerConfig) -> Void = { config in
            config.policies = [PolicyConfig(
                name: "app", allow: ["/v1/key/create/app-*", "/v1/key/describe/app-*"], deny: ["/v1/key/create/app-secret*"],
                identities: [app.identity.rawValue])]
        }
        try await withFixture(configure: policies) { fixture in
            let appClient = try KESClient(
                endpoints: [fixture.endpoint], certificatePEM: app.certificatePEM, privateKeyPEM: app.privateKeyPEM, insecure: true)
            let strangerClient = try KESClient(
                endpoints: [fixture.endpoint], certificatePEM: stranger.certificatePEM, privateKeyPEM: stranger.privateKeyPEM,
                insecure: true)
            try await withAsyncCleanup {
                try await appClient.createKey("app-one")
                #expect(try await appClient.describeKey("app-one").createdBy == app.identity.rawValue)
                await expectKESError(.notAuthorized) { try await appClient.createKey("app-secret") }
                await expectKESError(.notAuthorized) { try await appClient.deleteKey("app-one") }
                await expectKESError(.notAuthorized) { try await strangerClient.createKey("app-two") }

                let me = try await appClient.describeSelf()
                #expect(me.identity == app.identity.rawValue)
                #expect(me.policy == "app" && !me.isAdmin)
                #expect(me.allow == ["/v1/key/create/app-*", "/v1/key/describe/app-*"])
                #expect(me.deny == ["/v1/key/create/app-secret*"])
                await expectKESError(.identityNotFound) { _ = try await strangerClient.describeSelf() }

                let admin = fixture.client
                let adminSelf = try await admin.describeSelf()
                #expect(adminSelf.isAdmin && adminSelf.identity == fixture.apiKey.identity.rawValue)
                #expect(try await admin.describeIdentity(app.identity.rawValue).policy == "app")
                await expectKESError(.identityNotFound) { _ = try await admin.describeIdentity(stranger.identity.rawValue) }
                #expect(try await admin.listIdentities().contains(app.identity.rawValue))

                #expect(try await admin.listPolicies() == ["app"])
                #expect(try await admin.listPolicies(prefix: "x*") == [])
                #expect(try await admin.describePolicy("app").createdBy == fixture.apiKey.identity.rawValue)
                let policy = try await admin.readPolicy("app")
                #expect(policy.name == "app" && policy.allow.count == 2 && policy.deny.count == 1)
                await expectKESError(.policyNotFound) { _ = try await admin.describePolicy("nope") }
                await expectKESError(.policyNotFound) { _ = try await admin.readPolicy("nope") }
            } cleanup: {
                await #expect(throws: Never.self) { try await appClient.shutdown() }
                await #expect(throws: Never.self) { try await strangerClient.shutdown() }
            }
        }
    }

    @Test func failsOverFromADeadEndpoint() async throws {
        try await withFixture { fixture in
            let client = try KESClient(
                endpoints: ["https://127.0.0.1:1", fixture.endpoint], apiKey: fixture.apiKey.text, insecure: true)
            try await client.createKey("failover")
            #expect(try await client.describeKey("failover").name == "failover")
            // A typed error from the live endpoint is final: no failover, no retry.
            await expectKESError(.keyExists) { try await client.createKey("failover") }
            try await client.shutdown()
        }
    }

    @Test func unreachableServerNamesTheEndpoint() async throws {
        let client = try KESClient(
            configuration: KESClientConfiguration(
                endpoints: ["127.0.0.1:1"], credentials: .apiKey(.random()), insecure: true, retries: 1))
        do {
            _ = try await client.version()
            Issue.record("expected an error")
        } catch let error as KESError {
            guard case .unreachable(let endpoint, _) = error else { Issue.record("got \(error)"); return }
            #expect(endpoint == "https://127.0.0.1:1")
            #expect(error.message.contains("127.0.0.1:1"))
        }
        try await client.shutdown()
    }

    @Test func errorMappingMatchesStatusAndExactMessage() {
        #expect(KESError(status: 400, message: "key does already exist") == .keyExists)
        #expect(KESError(status: 403, message: "prohibited by policy") == .notAuthorized)
        #expect(KESError(status: 501, message: "not implemented") == .notImplemented)
        #expect(KESError(status: 404, message: "key does not exist!") == .server(status: 404, message: "key does not exist!"))
        #expect(KESError(status: 400, message: "key does not exist") == .server(status: 400, message: "key does not exist"))
        #expect(KESError.keyNotFound.status == 404)
    }

    @Test func auditStreamReceivesEvents() async throws {
        try await withFixture { fixture in
            let events = try await fixture.client.auditLog()
            try await fixture.client.createKey("audited")
            var iterator = events.makeAsyncIterator()
            var found: AuditEvent?
            while let event = try await iterator.next() {
                if event.request.path == "/v1/key/create/audited" { found = event; break }
            }
            #expect(found?.response.code == 200)
            #expect(found?.request.identity == fixture.apiKey.identity.rawValue)
            #expect(found?.time != nil)
            // The error stream carries the server's error log: a key file that does not parse
            // makes a store failure, which the server logs and streams.
            let errors = try await fixture.client.errorLog()
            try Data("not a key".utf8).write(to: URL(fileURLWithPath: fixture.server.directory + "/keys/broken"))
            await #expect(throws: KESError.self) { _ = try await fixture.client.generateKey("broken") }
            let logged = try await withThrowingTaskGroup(of: ErrorEvent?.self) { group in
                group.addTask {
                    var events = errors.makeAsyncIterator()
                    return try await events.next()
                }
                // A deadline, not a synchronisation: an event that never comes must fail, not hang.
                group.addTask {
                    try await Task.sleep(for: .seconds(10))
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            #expect(logged?.message.contains("'broken'") == true, "\(String(describing: logged))")
        }
    }
}

@Suite struct SDKServerCertificateTests {
    /// The README's quickstart makes an Ed25519 server certificate with `kes identity new`.
    @Test func talksToAServerWithAnEd25519Certificate() async throws {
        let apiKey = APIKey.random()
        let server = try await TestServer(admin: try .apiKey(apiKey), serverKeyType: .ed25519)
        defer { server.stop() }
        let client = try KESClient(endpoint: "https://127.0.0.1:\(server.port)", apiKey: apiKey.text, insecure: true)
        try await client.createKey("ed25519-server")
        #expect(try await client.generateKey("ed25519-server").plaintext.count == 32)
        try await client.shutdown()
    }
}

import Foundation
import KESConfig
import KESKeyStore
import KESTestSupport
import Testing
@testable import KESVault

/// Logging in, static tokens, renewal and re-login.
@Suite("Vault authentication and token lifecycle")
struct VaultAuthTests {
    static func appRoleConfig(_ server: OpenBaoServer, _ fixtures: OpenBaoFixtures, retry: Duration = .seconds(5)) -> VaultKeyStoreConfig {
        var config = VaultKeyStoreConfig.test(server)
        config.token = nil
        config.approle = .init(id: fixtures.roleID, secret: fixtures.secretID, retry: retry)
        return config
    }

    @Test("AppRole login yields a token scoped by the policy", .requiresOpenBao)
    func appRoleLogin() async throws {
        try await withOpenBao { server in
            let fixtures = try await OpenBaoFixtures.install(on: OpenBaoAdmin(server))
            try await withStore(Self.appRoleConfig(server, fixtures)) { store in
                #expect(store.tokens.current != server.rootToken)
                try await store.create("k", value: "v".bytes)
                #expect(try await store.get("k") == "v".bytes)
                try await store.status()
            }
        }
    }

    @Test("wrong AppRole credentials fail startup without revealing the secret", .requiresOpenBao)
    func badAppRoleSecret() async throws {
        try await withOpenBao { server in
            let fixtures = try await OpenBaoFixtures.install(on: OpenBaoAdmin(server))
            let wrongSecret = UUID().uuidString
            var config = Self.appRoleConfig(server, fixtures)
            config.approle?.secret = wrongSecret
            let error = await keyStoreError { _ = try await VaultKeyStore(config: config, logger: LogRecorder().logger) }
            let text = try #require(error?.description)
            #expect(text.hasPrefix("vault: failed to log in with approle: server responded with: Bad Request (400)"))
            #expect(!text.contains(wrongSecret))
            #expect(!text.contains(fixtures.roleID))
        }
    }

    @Test("a renewable static token is renewed past its TTL", .requiresOpenBao)
    func staticTokenRenewal() async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            _ = try await OpenBaoFixtures.install(on: admin)
            let created = try await admin.must(.POST, "auth/token/create", [
                // Long enough that a loaded CI machine still renews in time (renewal runs at TTL/2).
                "policies": [OpenBaoFixtures.policyName], "ttl": "6s", "renewable": true,
            ])
            let token = try #require((created.json?["auth"] as? [String: Any])?["client_token"] as? String)
            var config = VaultKeyStoreConfig.test(server)
            config.token = token
            let log = LogRecorder()
            try await withStore(config, logger: log.logger) { store in
                try await store.create("k", value: "v".bytes)
                for _ in 0..<10 {
                    // The duration under test: 10 s outlives the 6 s TTL, so the token must be renewed.
                    try await Task.sleep(for: .seconds(1))
                    #expect(try await store.get("k") == "v".bytes)
                }
                // Renewed in place, never replaced.
                #expect(store.tokens.current == token)
            }
            #expect(log.errors == [])
        }
    }

    @Test("a short-lived AppRole token is renewed, then replaced at its max TTL", .requiresOpenBao)
    func shortTTLRenewalAndRelogin() async throws {
        try await withOpenBao { server in
            let fixtures = try await OpenBaoFixtures.install(on: OpenBaoAdmin(server), tokenTTL: "2s", tokenMaxTTL: "8s")
            let log = LogRecorder()
            try await withStore(Self.appRoleConfig(server, fixtures), logger: log.logger) { store in
                let first = store.tokens.current
                try await store.create("k", value: "v".bytes)
                let start = ContinuousClock.now
                var sawRenewedFirstToken = false
                while ContinuousClock.now - start < .seconds(9) {
                    // The duration under test: 9 s of use span renewals and the 8 s max TTL.
                    try await Task.sleep(for: .milliseconds(250))
                    #expect(try await store.get("k") == "v".bytes)
                    // Past one full TTL and still the same token: it was renewed.
                    if ContinuousClock.now - start > .seconds(3), ContinuousClock.now - start < .seconds(5) {
                        sawRenewedFirstToken = sawRenewedFirstToken || store.tokens.current == first
                    }
                }
                #expect(sawRenewedFirstToken)
                #expect(store.tokens.current != first)
            }
            // On a loaded machine a renewal can land at the max TTL; Vault refuses it, the refusal is
            // logged, and the keeper logs in again. Nothing else may be logged.
            #expect(log.errors.filter { !$0.contains("past the max TTL") } == [])
        }
    }

    @Test("a revoked token is replaced by logging in again", .requiresOpenBao)
    func reloginAfterRevocation() async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            let fixtures = try await OpenBaoFixtures.install(on: admin, tokenTTL: "60s")
            let log = LogRecorder()
            try await withStore(Self.appRoleConfig(server, fixtures), logger: log.logger) { store in
                try await store.create("k", value: "v".bytes)
                let revoked = store.tokens.current
                try await OpenBaoAdmin(server, token: revoked).must(.POST, "auth/token/revoke-self")

                // The first request is refused; that prompts an early renewal attempt, which
                // fails, and a new login — long before TTL/2 (30 s) would have.
                let refused = await keyStoreError { _ = try await store.get("k") }
                #expect(refused?.description.contains("Forbidden (403)") == true)
                let recovered = await eventually(within: .seconds(5)) {
                    (try? await store.get("k")) == "v".bytes
                }
                #expect(recovered)
                #expect(store.tokens.current != revoked)
            }
            #expect(log.errors.contains { $0.hasPrefix("vault: failed to renew token") })
            #expect(!log.errors.joined().contains(fixtures.secretID))
        }
    }

    @Test("login failures are retried and reach the error log, requests keep going", .requiresOpenBao)
    func loginRetriesAreLogged() async throws {
        try await withOpenBao { server in
            let admin = OpenBaoAdmin(server)
            let fixtures = try await OpenBaoFixtures.install(on: admin, tokenTTL: "60s")
            let log = LogRecorder()
            try await withStore(Self.appRoleConfig(server, fixtures, retry: .milliseconds(300)), logger: log.logger) { store in
                try await store.create("k", value: "v".bytes)
                // Make every future login fail, then force one.
                try await admin.must(.POST, "auth/approle/role/kes/secret-id/destroy", ["secret_id": fixtures.secretID])
                try await OpenBaoAdmin(server, token: store.tokens.current).must(.POST, "auth/token/revoke-self")
                _ = await keyStoreError { _ = try await store.get("k") }

                let retried = await eventually(within: .seconds(5)) {
                    log.errors.filter { $0.hasPrefix("vault: failed to log in") }.count >= 3
                }
                #expect(retried)
                // Requests are answered (with Vault's refusal), never blocked by the login loop.
                let start = ContinuousClock.now
                #expect(await keyStoreError { _ = try await store.get("k") } != nil)
                #expect(ContinuousClock.now - start < .seconds(2))
            }
            #expect(!log.errors.joined().contains(fixtures.secretID))
        }
    }

    @Test("a Kubernetes JWT with a slash is a file, re-read at each login")
    func kubernetesJWTFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kes-jwt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "first.jwt\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try VaultAuthenticator.readJWT(file.path) == "first.jwt")
        try "second.jwt".write(to: file, atomically: true, encoding: .utf8)
        #expect(try VaultAuthenticator.readJWT(file.path) == "second.jwt")
        #expect(try VaultAuthenticator.readJWT("eyJhbGciOi.inline.value") == "eyJhbGciOi.inline.value")
    }

    @Test("startup refuses incomplete configs with KES's texts")
    func startupConfigErrors() async throws {
        let logger = LogRecorder().logger
        func startupError(_ config: VaultKeyStoreConfig) async -> KeyStoreError? {
            await keyStoreError { _ = try await VaultKeyStore(config: config, logger: logger) }
        }
        var config = VaultKeyStoreConfig(endpoint: "")
        config.token = "t"
        #expect(await startupError(config) == .failed("vault: endpoint is empty"))

        config = VaultKeyStoreConfig(endpoint: "http://127.0.0.1:1")
        #expect(await startupError(config) == .failed("vault: no authentication method specified"))

        config.approle = .init(id: "id", secret: "secret")
        config.kubernetes = .init(role: "role", jwt: "jwt")
        #expect(await startupError(config) == .failed("vault: ambigious authentication: approle and kubernetes method specified"))

        config.kubernetes = nil
        config.tls.caPath = "/nonexistent/ca.pem"
        #expect(await startupError(config)?.description.hasPrefix("vault: failed to open '/nonexistent/ca.pem'") == true)
    }

    @Test("a Vault nobody listens on fails startup as unreachable")
    func startupUnreachable() async throws {
        let port = BackendLauncher.freePort()
        var config = VaultKeyStoreConfig(endpoint: "http://127.0.0.1:\(port)")
        config.token = "t"
        let error = await keyStoreError { _ = try await VaultKeyStore(config: config, logger: LogRecorder().logger) }
        #expect(error?.isOutage == true)
        #expect(error?.description.contains("no connection to http://127.0.0.1:\(port)") == true)
    }
}

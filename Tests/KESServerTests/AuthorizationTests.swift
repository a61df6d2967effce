import Foundation
import KESConfig
import KESCore
import KESTestSupport
import Testing

@Suite struct AuthorizationTests {
    @Test(arguments: ["ed25519", "ecdsa", "rsa"])
    func everyCertificateKindIsIdentifiedAndAuthorized(kind: String) async throws {
        let caller: TestIdentity = switch kind {
        case "ed25519": try .apiKey()
        case "ecdsa": try .ecdsa()
        default: try .rsa()
        }
        let server = try await TestServer { config in
            config.policies = [PolicyConfig(
                name: "app", allow: ["/v1/key/create/app-*", "/v1/key/generate/app-*", "/v1/key/decrypt/app-*", "/v1/status"],
                deny: ["/v1/key/*/app-secret*"], identities: [caller.identity.rawValue])]
        }
        defer { server.stop() }
        let client = try server.client(caller)
        let me = try await client.get("/v1/identity/self/describe")
        #expect(me.status == 200)
        #expect(me.json["identity"] as? String == caller.identity.rawValue)

        #expect(try await client.put("/v1/key/create/app-1").status == 200)
        let generated = try await client.put("/v1/key/generate/app-1", "{}")
        #expect(generated.status == 200)
        #expect(try await client.get("/v1/status").status == 200)

        let denied = try await client.put("/v1/key/create/app-secret")
        #expect(denied.status == 403)
        #expect(denied.message == "not authorized: insufficient permissions")
        #expect(try await client.put("/v1/key/create/other").status == 403)
        #expect(try await client.delete("/v1/key/delete/app-1").status == 403)
        #expect(try await client.get("/v1/key/list/*").status == 403)
        #expect(try await client.get("/v1/policy/list/*").status == 403)
    }

    @Test func callerWithoutPolicyIsRefusedButSeesVersion() async throws {
        let stranger = try TestIdentity.ecdsa()
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client(stranger)
        #expect(try await client.get("/version").status == 200)
        let status = try await client.get("/v1/status")
        #expect(status.status == 403)
        #expect(status.message == "not authorized: insufficient permissions")
        #expect(try await client.put("/v1/key/create/x").status == 403)
        let me = try await client.get("/v1/identity/self/describe")
        #expect(me.status == 404)
        #expect(me.message == "identity does not exist")
    }

    @Test func skipAuthOpensProbesToClientsWithoutCertificates() async throws {
        let server = try await TestServer { config in
            config.api = ["/v1/ready": APIRouteConfig(skipAuth: true), "/v1/metrics": APIRouteConfig(skipAuth: true)]
        }
        defer { server.stop() }
        let anonymous = try TestClient(port: server.port, identity: nil)
        #expect(try await anonymous.get("/v1/ready").status == 200)
        #expect(try await anonymous.get("/v1/metrics").status == 200)
        let status = try await anonymous.get("/v1/status")
        #expect(status.status == 400)
        #expect(status.message == "no client certificate is present")
        #expect(try await server.client().get("/v1/status").status == 200)
    }

    @Test func clientWithoutCertificateFailsTheHandshake() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let anonymous = try TestClient(port: server.port, identity: nil)
        await #expect(throws: (any Error).self) { _ = try await anonymous.get("/v1/status") }
        #expect(try await server.client().get("/v1/status").status == 200)
    }
}

@Suite struct VerifiedTLSTests {
    /// `tls.auth: on` verifies the client's chain against `tls.ca` (docs/compatibility.md, "TLS").
    @Test func authOnAcceptsOnlyCertificatesFromTheCA() async throws {
        let ca = try TestCA()
        let trusted = try ca.issueClient(commonName: "trusted")
        let caFile = TestServer.makeDirectory() + "/ca.pem"
        try ca.certificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let server = try await TestServer(admin: trusted) { config in
            config.tls.auth = true
            config.tls.caPath = caFile
        }
        defer { server.stop() }
        let me = try await server.client(trusted).get("/v1/identity/self/describe")
        #expect(me.status == 200)
        #expect(me.json["identity"] as? String == trusted.identity.rawValue)

        let selfSigned = try TestClient(port: server.port, identity: try .apiKey())
        await #expect(throws: (any Error).self) { _ = try await selfSigned.get("/version") }
    }
}

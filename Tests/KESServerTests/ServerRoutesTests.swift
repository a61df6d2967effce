import Foundation
import KESConfig
import KESCore
import KESTestSupport
import Testing

@Suite struct ServerRoutesTests {
    @Test func versionStatusReadyAPIAndMetrics() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()

        let version = try await client.get("/version")
        #expect(version.status == 200)
        #expect(version.json["version"] is String)

        #expect(try await client.get("/v1/ready").status == 200)
        #expect(try await client.get("/ready").status == 200)

        let status = try await client.get("/v1/status")
        #expect(status.status == 200)
        #expect(status.json["uptime"] is Int)
        #expect((status.json["keystore_latency"] as? Int ?? 0) >= 1)
        #expect(status.json["keystore_unreachable"] == nil)

        let api = try await client.get("/v1/api")
        let routes = try #require((try JSONSerialization.jsonObject(with: Data(api.body.utf8))) as? [[String: Any]])
        let generate = try #require(routes.first { $0["path"] as? String == "/v1/key/generate/" })
        #expect(generate["method"] as? String == "PUT")
        #expect(generate["max_body"] as? Int == 1_048_576)
        #expect(generate["timeout"] as? Int == 15)
        #expect(routes.first { $0["path"] as? String == "/v1/log/audit" }?["timeout"] as? Int == 0)

        // One success and one error, so that both counters below exist.
        #expect(try await client.put("/v1/key/create/k").status == 200)
        #expect(try await client.put("/v1/key/create/k").status == 400)
        let metrics = try await client.get("/v1/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"kes_http_request_success{code="200"}"#))
        #expect(metrics.body.contains(#"kes_http_request_error{code="400"}"#))
        #expect(metrics.body.contains("# HELP kes_log_audit_events Number of audit log events written to the audit log targets."))
        #expect(metrics.body.contains("kes_system_up_time"))
    }

    @Test func policyAndIdentityRoutes() async throws {
        let app = try TestIdentity.ecdsa()
        let server = try await TestServer { config in
            config.policies = [
                PolicyConfig(name: "minio", allow: ["/v1/key/generate/minio-*", "/v1/key/decrypt/minio-*"],
                             deny: ["/v1/key/*/minio-internal*"], identities: [app.identity.rawValue]),
                PolicyConfig(name: "other", allow: ["/v1/status"]),
            ]
        }
        defer { server.stop() }
        let admin = try server.client()

        let described = try await admin.get("/v1/policy/describe/minio")
        #expect(described.json["created_by"] as? String == server.admin.identity.rawValue)
        let read = try await admin.get("/v1/policy/read/minio")
        #expect((read.json["allow"] as? [String: Any])?.keys.sorted() == ["/v1/key/decrypt/minio-*", "/v1/key/generate/minio-*"])
        #expect((read.json["deny"] as? [String: Any])?.keys.sorted() == ["/v1/key/*/minio-internal*"])
        #expect(try await admin.get("/v1/policy/read/nope").message == "policy does not exist")
        #expect(try await admin.get("/v1/policy/list/*").json["names"] as? [String] == ["minio", "other"])
        #expect(try await admin.get("/v1/policy/list/mi").json["names"] as? [String] == ["minio"])

        let identity = try await admin.get("/v1/identity/describe/\(app.identity.rawValue)")
        #expect(identity.json["policy"] as? String == "minio")
        #expect(identity.json["admin"] as? Bool == false)
        let adminIdentity = try await admin.get("/v1/identity/describe/\(server.admin.identity.rawValue)")
        #expect(adminIdentity.json["admin"] as? Bool == true)
        #expect(try await admin.get("/v1/identity/describe/abc").status == 404)
        let identities = try #require(try await admin.get("/v1/identity/list/").json["identities"] as? [String])
        #expect(Set(identities) == [app.identity.rawValue, server.admin.identity.rawValue])

        let selfAdmin = try await admin.get("/v1/identity/self/describe")
        #expect(selfAdmin.json["identity"] as? String == server.admin.identity.rawValue)
        #expect(selfAdmin.json["admin"] as? Bool == true)
        let selfApp = try await server.client(app).get("/v1/identity/self/describe")
        #expect(selfApp.json["identity"] as? String == app.identity.rawValue)
        #expect(selfApp.json["policy"] as? String == "minio")
        #expect((selfApp.json["allow"] as? [String: Any])?.count == 2)
    }

    /// `kes identity new` makes Ed25519 server certificates, so every client of ours must accept one.
    @Test func ed25519ServerCertificate() async throws {
        let server = try await TestServer(serverKeyType: .ed25519)
        defer { server.stop() }
        #expect(try await server.client().get("/v1/status").status == 200)
    }
}

import Foundation
import KESConfig
import KESCore
import KESTestSupport
import NIOHTTP1
import Testing

/// The `/v1/secret/*` API hands out raw stored values, so its refusals matter as much as its
/// answers: every failure here is checked by exact body, and none may carry the secret.
@Suite struct SecretRoutesTests {
    static let secret = "c3VwZXItc2VjcmV0LXZhbHVl"  // base64 of "super-secret-value"

    static func body(_ message: String) -> String {
        #"{"message":"\#(message)"}"#
    }

    @Test func readReturnsTheBytesAndEveryFailureIsExact() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()

        #expect(try await client.post("/v1/secret/create/s", #"{"bytes":"\#(Self.secret)"}"#).status == 200)
        let read = try await client.get("/v1/secret/read/s")
        #expect(read.status == 200)
        #expect(read.json["bytes"] as? String == Self.secret)
        #expect(read.json["type"] as? String == "generic")
        let described = try await client.get("/v1/secret/describe/s")
        #expect(described.status == 200)
        #expect(described.json["bytes"] == nil)
        #expect(!described.body.contains(Self.secret))

        let cases: [(HTTPMethod, String, String?, Int, String)] = [
            // An existing secret is never overwritten.
            (.PUT, "/v1/secret/create/s", #"{"bytes":"AA=="}"#, 400, "key already exists"),
            (.GET, "/v1/secret/read/missing", nil, 404, "key does not exist"),
            (.GET, "/v1/secret/describe/missing", nil, 404, "key does not exist"),
            (.DELETE, "/v1/secret/delete/missing", nil, 404, "key does not exist"),
            (.POST, "/v1/secret/create/t", "not json", 400, "invalid request body: not a well-formed JSON object"),
            (.POST, "/v1/secret/create/t", #"{"bytes":1}"#, 400, "invalid request body: 'bytes' must be a string"),
            (.POST, "/v1/secret/create/t", #"{"bytes":"!!"}"#, 400, "invalid request body: 'bytes' is not valid base64"),
            (.POST, "/v1/secret/create/t", #"{"type":7,"bytes":"AA=="}"#, 400, "invalid request body: 'type' must be a string"),
            (.POST, "/v1/secret/create/t", #"{"type":"kv","bytes":"AA=="}"#, 400, "unsupported secret type 'kv'"),
            (.POST, "/v1/secret/create/t", #"{"bytes":""}"#, 400, "invalid request body: 'bytes' is empty"),
            (.POST, "/v1/secret/create/t", nil, 400, "invalid request body: 'bytes' is empty"),
            (.GET, "/v1/secret/read/a.b", nil, 400, "invalid argument: name contains invalid character"),
            (.GET, "/v1/secret/list/a.b", nil, 400, "invalid argument: pattern contains invalid character"),
        ]
        for (method, path, body, status, message) in cases {
            let reply = try await client.request(method, path, body: body)
            #expect(reply.status == status, "\(method) \(path) \(body ?? "")")
            #expect(reply.body == Self.body(message), "\(method) \(path) \(body ?? "")")
        }

        // Wrong methods, including a write to the read route and a read of the create route.
        let methods: [(HTTPMethod, String, String)] = [
            (.GET, "/v1/secret/create/s", "POST, PUT"),
            (.DELETE, "/v1/secret/create/s", "POST, PUT"),
            (.PUT, "/v1/secret/read/s", "GET"),
            (.POST, "/v1/secret/read/s", "GET"),
            (.DELETE, "/v1/secret/read/s", "GET"),
            (.PUT, "/v1/secret/describe/s", "GET"),
            (.GET, "/v1/secret/delete/s", "DELETE"),
            (.POST, "/v1/secret/list/*", "GET"),
        ]
        for (method, path, accept) in methods {
            let reply = try await client.request(method, path, body: method == .GET || method == .DELETE ? nil : "{}")
            #expect(reply.status == 405, "\(method) \(path)")
            #expect(reply.body == Self.body("method not allowed"), "\(method) \(path)")
            #expect(reply.headers.first(name: "accept") == accept, "\(method) \(path)")
        }

        // None of the failures touched the secret.
        #expect(try await client.get("/v1/secret/read/s").json["bytes"] as? String == Self.secret)
        #expect(try await client.get("/v1/secret/list/*").json["names"] as? [String] == ["s"])
        #expect(try await client.delete("/v1/secret/delete/s").status == 200)
        #expect(try await client.get("/v1/secret/read/s").body == Self.body("key does not exist"))
    }

    /// An identity whose policy allows describing secrets (metadata) may not read their bytes,
    /// nor create, delete or list them; an identity in no policy may do nothing.
    @Test func identitiesWithoutTheRightPolicyNeverSeeTheBytes() async throws {
        let describer = try TestIdentity.apiKey()
        let stranger = try TestIdentity.apiKey()
        let server = try await TestServer { config in
            config.policies = [
                PolicyConfig(name: "describe-only", allow: ["/v1/secret/describe/*", "/v1/key/*"], identities: [describer.identity.rawValue])
            ]
        }
        defer { server.stop() }
        #expect(try await server.client().post("/v1/secret/create/s", #"{"bytes":"\#(Self.secret)"}"#).status == 200)

        let limited = try server.client(describer)
        let described = try await limited.get("/v1/secret/describe/s")
        #expect(described.status == 200)
        #expect(!described.body.contains(Self.secret))

        let attempts: [(HTTPMethod, String, String?)] = [
            (.GET, "/v1/secret/read/s", nil),
            (.GET, "/v1/secret/read/missing", nil),
            (.POST, "/v1/secret/create/s", #"{"bytes":"AA=="}"#),
            (.POST, "/v1/secret/create/t", "not json"),
            (.DELETE, "/v1/secret/delete/s", nil),
            (.GET, "/v1/secret/list/*", nil),
        ]
        for (label, client) in [("describe-only", limited), ("stranger", try server.client(stranger))] {
            for (method, path, body) in attempts {
                let reply = try await client.request(method, path, body: body)
                // Authorization comes before the body is read and before the store is asked, so a
                // missing secret and a bad body get the same refusal as an existing secret.
                #expect(reply.status == 403, "\(label): \(method) \(path)")
                #expect(reply.body == Self.body("not authorized: insufficient permissions"), "\(label): \(method) \(path)")
            }
        }
        let strangerDescribe = try await server.client(stranger).get("/v1/secret/describe/s")
        #expect(strangerDescribe.body == Self.body("not authorized: insufficient permissions"))

        // Refused writes changed nothing.
        #expect(try await server.client().get("/v1/secret/read/s").json["bytes"] as? String == Self.secret)
    }
}

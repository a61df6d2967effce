import Foundation
import KESConfig
import KESCore
import KESTestSupport
import Testing

/// Lists page at 1,000 names and Go clients continue by sending `continue_at` back as the list argument
/// (docs/compatibility.md, "Lists"): every name must be reached that way, exactly once.
@Suite("Lossless list paging")
struct LosslessListTests {
    /// Writes `count` key files named `<prefix>00000`… straight into the fs store, copying one real key file:
    /// 5,000 creates through the API would take most of the test's time.
    static func writeKeys(_ server: TestServer, prefix: String, count: Int) throws -> [String] {
        let keys = server.directory + "/keys/"
        let template = try Data(contentsOf: URL(fileURLWithPath: keys + "template"))
        let names = (0..<count).map { String(format: "\(prefix)%05d", $0) }
        for name in names { try template.write(to: URL(fileURLWithPath: keys + name)) }
        return names
    }

    @Test("5,000 keys on fs: a Go-style walk lists every name once; a prefix keeps across pages")
    func fsKeys() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()
        #expect(try await client.put("/v1/key/create/template").status == 200)
        let names = try Self.writeKeys(server, prefix: "a-", count: 2500) + Self.writeKeys(server, prefix: "b-", count: 2500)

        let all = try await GoStyleWalk.run(client, route: "/v1/key/list/", argument: "")
        #expect(all.names == (names + ["template"]).sorted())
        #expect(all.pages == 6)
        #expect(all.largestPage < 1 << 20)
        print("fs: \(all.names.count) names in \(all.pages) pages, largest page \(all.largestPage) bytes")

        for argument in ["a-", "a-*"] {
            let prefixed = try await GoStyleWalk.run(client, route: "/v1/key/list/", argument: argument)
            #expect(prefixed.names == names.filter { $0.hasPrefix("a-") })
            #expect(prefixed.pages == 3)
        }
        // A plain argument keeps meaning a prefix.
        let plain = try await client.get("/v1/key/list/b-0249")
        #expect(plain.json["names"] as? [String] == (0..<10).map { "b-0249\($0)" })
        #expect(plain.json["continue_at"] as? String == "")
        // A malformed token is a 400, as any invalid argument.
        #expect(try await client.get("/v1/key/list/~a-").status == 400)
        #expect(try await client.get("/v1/key/list/~a-~%2B").status == 400)
    }

    @Test("a policy that allows a prefix allows its continuation tokens, and only those")
    func continuationIsAuthorizedAsItsPrefix() async throws {
        let reader = try TestIdentity.apiKey()
        let server = try await TestServer { config in
            config.policies = [
                PolicyConfig(name: "reader", allow: ["/v1/key/list/a-*", "/v1/key/create/*"], identities: [reader.identity.rawValue])
            ]
        }
        defer { server.stop() }
        #expect(try await server.client().put("/v1/key/create/template").status == 200)
        let names = try Self.writeKeys(server, prefix: "a-", count: 1500) + Self.writeKeys(server, prefix: "b-", count: 1500)
        let client = try server.client(reader)
        let walk = try await GoStyleWalk.run(client, route: "/v1/key/list/", argument: "a-")
        #expect(walk.names == names.filter { $0.hasPrefix("a-") })
        #expect(try await client.get("/v1/key/list/b-").status == 403)
        #expect(try await client.get("/v1/key/list/" + ListArgument(prefix: "b-", start: "b-01000").token).status == 403)
        #expect(try await client.get("/v1/key/list/" + ListArgument(prefix: "", start: "b-01000").token).status == 403)
    }

    @Test("policy and identity lists page the same way")
    func policiesAndIdentities() async throws {
        let policyNames = (0..<1500).map { String(format: "policy-%04d", $0) }
        let identities = (0..<1500).map { _ in (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined() }
        let server = try await TestServer { config in
            config.policies = zip(policyNames, identities).map { PolicyConfig(name: $0, allow: ["/v1/status"], identities: [$1]) }
        }
        defer { server.stop() }
        let client = try server.client()
        let policies = try await GoStyleWalk.run(client, route: "/v1/policy/list/", argument: "")
        #expect(policies.names == policyNames)
        #expect(policies.pages == 2)
        let listed = try await GoStyleWalk.run(client, route: "/v1/identity/list/", argument: "", field: "identities")
        #expect(listed.names == (identities + [server.admin.identity.rawValue]).sorted())
        #expect(listed.pages == 2)
    }
}

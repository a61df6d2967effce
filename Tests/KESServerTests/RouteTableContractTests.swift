import Foundation
import KESConfig
import KESCore
import KESTestSupport
import NIOHTTP1
import Testing

@testable import KESServer

/// Contracts that hold for every route of `Route.table`: who is refused, and which methods are
/// answered. Both tests walk the table itself, so a route added to it is tested (or makes the
/// test fail) without anyone remembering to add it here.
@Suite struct RouteTableContractTests {
    /// The exact body of a policy refusal. Older KES releases said `prohibited by policy`
    /// (`WireError.legacyNotAuthorized`); clients accept both, but this server sends only the
    /// current text.
    static let notAuthorizedBody = #"{"message":"not authorized: insufficient permissions"}"#
    static let methodNotAllowedBody = #"{"message":"method not allowed"}"#

    /// A path that reaches `route` with an argument that passes validation: arguments are
    /// checked before authorization, so a bad one would be a 400 and hide the policy check.
    static func validPath(_ route: Route, as path: String? = nil) -> String {
        let path = path ?? route.path
        guard route.isPrefix, path == route.path else { return path }
        switch route.argument {
        case .name: return path + "k"
        case .listPrefix: return path + "*"
        case .none: return path
        }
    }

    /// Every path a request can name a route by: the route's own path and its aliases.
    static func requestPaths(_ route: Route) -> [String] {
        [validPath(route)] + route.aliases
    }

    // MARK: - 403 on every policy-guarded route

    /// Routes guarded by policy: every route but the two listed in `unguarded`. Checked as a
    /// number too, so that a route added to the table (or one whose guard is dropped) changes
    /// it and someone looks at this test.
    static let guardedRouteCount = 25

    /// The routes that answer without a policy check, with what a caller in no policy gets.
    static let unguarded: [String: (status: Int, body: String?)] = [
        // Clients ask for the version before anything else; KES answers everyone.
        "/version": (200, nil),
        // Self-describe answers for the certificate presented; an identity in no policy is
        // unknown to the server.
        "/v1/identity/self/describe": (404, #"{"message":"identity does not exist"}"#),
    ]

    /// Policy-guarded unless the config's `api` section sets `skip_auth` for them.
    static let skippable: Set<String> = ["/v1/ready", "/v1/status", "/v1/metrics", "/v1/api"]

    @Test func everyPolicyGuardedRouteRefusesAnIdentityInNoPolicy() async throws {
        let stranger = try TestIdentity.apiKey()
        let insider = try TestIdentity.apiKey()
        let server = try await TestServer { config in
            // A policy exists and allows every route, but for another identity: the stranger must
            // be refused because it is in no policy, not because the server has none.
            config.policies = [PolicyConfig(name: "everything", allow: Route.table.map { $0.path + "*" }, identities: [insider.identity.rawValue])]
        }
        defer { server.stop() }
        let client = try server.client(stranger)
        let insiderClient = try server.client(insider)

        let guarded = Route.table.filter { route in
            switch route.authorization {
            case .policy, .policyUnlessSkipped: true
            case .none: false
            }
        }
        #expect(guarded.count == Self.guardedRouteCount, "guarded routes: \(guarded.map(\.path))")
        #expect(Set(Route.table.filter { $0.authorization == .none }.map(\.path)) == Set(Self.unguarded.keys))
        #expect(Set(Route.table.filter { $0.authorization == .policyUnlessSkipped }.map(\.path)) == Self.skippable)

        var refused = 0
        for route in guarded {
            for path in Self.requestPaths(route) {
                let method = try #require(route.methods.first)
                let reply = try await client.request(method, path)
                #expect(reply.status == 403, "\(method) \(path)")
                #expect(reply.body == Self.notAuthorizedBody, "\(method) \(path)")
                #expect(reply.headers.first(name: "content-type") == "application/json", "\(method) \(path)")
                refused += 1
            }
        }
        // 25 routes and the `/ready` alias.
        #expect(refused == Self.guardedRouteCount + 1)

        // The policy that covers every path lets its own identity through, so the refusals above
        // are the identity's, not the patterns'. (Log streams would never end; their refusal is
        // the point here, their success is LogStreamTests'.)
        for route in guarded where route.defaultTimeout > .zero {
            let path = Self.validPath(route)
            let reply = try await insiderClient.request(try #require(route.methods.first), path)
            #expect(reply.status != 403, "\(path) as the identity in the policy")
        }

        for (path, expected) in Self.unguarded {
            let reply = try await client.get(path)
            #expect(reply.status == expected.status, "\(path)")
            if let body = expected.body { #expect(reply.body == body, "\(path)") }
        }
        #expect(try await client.get("/version").json["version"] as? String == KESVersion.version)
    }

    @Test func skipAuthOpensTheFourProbeRoutesToAnIdentityInNoPolicy() async throws {
        let stranger = try TestIdentity.apiKey()
        let server = try await TestServer { config in
            config.api = Dictionary(uniqueKeysWithValues: Self.skippable.map { ($0, APIRouteConfig(skipAuth: true)) })
        }
        defer { server.stop() }
        let client = try server.client(stranger)
        for path in Self.skippable.sorted() {
            #expect(try await client.get(path).status == 200, "\(path)")
        }
        #expect(try await client.get("/ready").status == 200)
        // Skipping them opens nothing else.
        let key = try await client.put("/v1/key/create/k")
        #expect(key.status == 403)
        #expect(key.body == Self.notAuthorizedBody)
    }

    // MARK: - The method table

    /// The methods each route accepts, in the order of its `Accept` header. Written out, not read
    /// from the route table: this is the API's contract (docs/compatibility.md, "Methods").
    /// Key-changing routes take PUT (the documented method) and POST (what the 2023 Go clients
    /// send); the secret API, copied from KES's own client, lists POST first.
    static let allowedMethods: [String: [HTTPMethod]] = [
        "/v1/key/create/": [.PUT, .POST],
        "/v1/key/import/": [.PUT, .POST],
        "/v1/key/describe/": [.GET],
        "/v1/key/delete/": [.DELETE],
        "/v1/key/list/": [.GET],
        "/v1/key/generate/": [.PUT, .POST],
        "/v1/key/encrypt/": [.PUT, .POST],
        "/v1/key/decrypt/": [.PUT, .POST],
        "/v1/key/hmac/": [.PUT, .POST],
        "/version": [.GET],
        "/v1/ready": [.GET],
        "/v1/status": [.GET],
        "/v1/metrics": [.GET],
        "/v1/api": [.GET],
        "/v1/policy/describe/": [.GET],
        "/v1/policy/read/": [.GET],
        "/v1/policy/list/": [.GET],
        "/v1/identity/describe/": [.GET],
        "/v1/identity/self/describe": [.GET],
        "/v1/identity/list/": [.GET],
        "/v1/log/error": [.GET],
        "/v1/log/audit": [.GET],
        "/v1/secret/create/": [.POST, .PUT],
        "/v1/secret/describe/": [.GET],
        "/v1/secret/read/": [.GET],
        "/v1/secret/delete/": [.DELETE],
        "/v1/secret/list/": [.GET],
    ]

    static let probedMethods: [HTTPMethod] = [.GET, .HEAD, .PUT, .POST, .DELETE, .PATCH, .OPTIONS]

    /// Sends every method to every route as an identity in no policy. The method is checked
    /// before authorization, so a wrong one is a 405 and a right one reaches the policy check
    /// (403), which also keeps the allowed requests free of side effects and keeps the log
    /// streams from opening. The two unguarded routes answer as they do for anyone.
    @Test func everyRouteAnswersEveryMethodAsTheMethodTableSays() async throws {
        #expect(Set(Route.table.map(\.path)) == Set(Self.allowedMethods.keys), "the method table and Route.table list different routes")
        #expect(Route.table.count == 27)

        let stranger = try TestIdentity.apiKey()
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client(stranger)

        var checked = 0
        for route in Route.table {
            guard let allowed = Self.allowedMethods[route.path] else {
                Issue.record("\(route.path) has no entry in the method table")
                continue
            }
            let accept = allowed.map(\.rawValue).joined(separator: ", ")
            let allowedStatus = Self.unguarded[route.path]?.status ?? 403
            for path in Self.requestPaths(route) {
                for method in Self.probedMethods {
                    let label = "\(method) \(path)"
                    let reply = try await client.request(method, path)
                    checked += 1
                    if allowed.contains(method) {
                        #expect(reply.status != 405, "\(label)")
                        #expect(reply.status == allowedStatus, "\(label)")
                        continue
                    }
                    #expect(reply.status == 405, "\(label)")
                    #expect(reply.headers.first(name: "accept") == accept, "\(label)")
                    #expect(reply.headers.first(name: "content-type") == "application/json", "\(label)")
                    if method == .HEAD {
                        // The server never sends a body to HEAD; the head still announces the
                        // length the GET answer would have.
                        #expect(reply.body.isEmpty, "\(label)")
                        #expect(reply.headers.first(name: "content-length") == String(Self.methodNotAllowedBody.utf8.count), "\(label)")
                    } else {
                        #expect(reply.body == Self.methodNotAllowedBody, "\(label)")
                    }
                }
            }
        }
        // 27 routes and the `/ready` alias, seven methods each.
        #expect(checked == (Route.table.count + 1) * Self.probedMethods.count)
    }
}

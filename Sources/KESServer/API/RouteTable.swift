import NIOHTTP1

/// Every route of the KES API (docs/compatibility.md, "Routes" and "Methods").
extension Route {
    /// Key-changing routes take PUT and POST: the KES API documents PUT, every 2023 Go client sends POST.
    private static let write: [HTTPMethod] = [.PUT, .POST]
    private static let body = 1 << 20

    static let table: [Route] = checked([
        // Key routes first: prefix matching walks the table in order and MinIO calls these most.
        // KES never reads a create's body, so clients that send one (`{}`) get their key; so do they here.
        Route(0, "/v1/key/create/", methods: write, maxBody: body, argument: .name) { api, request, _ throws(RequestError) in
            try api.createKey(request)
        },
        Route(1, "/v1/key/import/", methods: write, maxBody: body, argument: .name) { api, request, _ throws(RequestError) in
            try api.importKey(request)
        },
        Route(2, "/v1/key/describe/", argument: .name) { api, request, _ throws(RequestError) in
            try api.describeKey(request)
        },
        Route(3, "/v1/key/delete/", methods: [.DELETE], argument: .name) { api, request, _ throws(RequestError) in
            try api.deleteKey(request)
        },
        Route(4, "/v1/key/list/", argument: .listPrefix) { api, request, _ throws(RequestError) in
            try api.listKeys(request)
        },
        Route(5, "/v1/key/generate/", methods: write, maxBody: body, argument: .name) { api, request, _ throws(RequestError) in
            try api.generate(request)
        },
        Route(6, "/v1/key/encrypt/", methods: write, maxBody: body, argument: .name) { api, request, _ throws(RequestError) in
            try api.encrypt(request)
        },
        Route(7, "/v1/key/decrypt/", methods: write, maxBody: body, argument: .name) { api, request, _ throws(RequestError) in
            try api.decrypt(request)
        },
        Route(8, "/v1/key/hmac/", methods: write, maxBody: body, argument: .name) { api, request, _ throws(RequestError) in
            try api.hmac(request)
        },
        Route(9, "/version", authorization: .none) { api, _, _ in
            .now(api.version())
        },
        Route(10, "/v1/ready", aliases: ["/ready"], authorization: .policyUnlessSkipped, isMetered: false) { api, _, _ in
            api.ready()
        },
        Route(11, "/v1/status", authorization: .policyUnlessSkipped) { api, _, _ in
            api.status()
        },
        Route(12, "/v1/metrics", authorization: .policyUnlessSkipped, isMetered: false) { api, _, _ in
            .now(api.metrics())
        },
        Route(13, "/v1/api", authorization: .policyUnlessSkipped) { api, _, settings in
            .now(api.apiDescription(settings: settings))
        },
        Route(14, "/v1/policy/describe/", argument: .name) { api, request, settings throws(RequestError) in
            .now(try api.describePolicy(request, settings: settings))
        },
        Route(15, "/v1/policy/read/", argument: .name) { api, request, settings throws(RequestError) in
            .now(try api.readPolicy(request, settings: settings))
        },
        Route(16, "/v1/policy/list/", argument: .listPrefix) { api, request, settings throws(RequestError) in
            .now(try api.listPolicies(request, settings: settings))
        },
        Route(17, "/v1/identity/describe/", argument: .name) { api, request, settings throws(RequestError) in
            .now(try api.describeIdentity(request, settings: settings))
        },
        Route(18, "/v1/identity/self/describe", authorization: .none) { api, request, settings throws(RequestError) in
            .now(try api.describeSelf(request, settings: settings))
        },
        Route(19, "/v1/identity/list/", argument: .listPrefix) { api, request, settings throws(RequestError) in
            .now(try api.listIdentities(request, settings: settings))
        },
        // Log streams have no deadline: they last as long as the subscriber listens.
        Route(20, "/v1/log/error", timeout: .zero) { api, _, _ in
            .stream(api.context.errorLog.stream)
        },
        Route(21, "/v1/log/audit", timeout: .zero) { api, _, _ in
            .stream(api.context.audit.stream)
        },
        Route(22, "/v1/secret/create/", methods: [.POST, .PUT], maxBody: body, argument: .name) { api, request, _ throws(RequestError) in
            try api.createSecret(request)
        },
        Route(23, "/v1/secret/describe/", argument: .name) { api, request, _ throws(RequestError) in
            try api.describeSecret(request, includeBytes: false)
        },
        Route(24, "/v1/secret/read/", argument: .name) { api, request, _ throws(RequestError) in
            try api.describeSecret(request, includeBytes: true)
        },
        Route(25, "/v1/secret/delete/", methods: [.DELETE], argument: .name) { api, request, _ throws(RequestError) in
            try api.deleteKey(request)
        },
        Route(26, "/v1/secret/list/", argument: .listPrefix) { api, request, _ throws(RequestError) in
            try api.listKeys(request)
        },
    ])

    /// Per-route settings are arrays indexed by `Route.index`: a wrong or repeated index would
    /// give one route another's deadline or `skip_auth`.
    private static func checked(_ routes: [Route]) -> [Route] {
        precondition(routes.indices.allSatisfy { routes[$0].index == $0 }, "Route.table: indices must be 0, 1, 2, … in order")
        precondition(Set(routes.map(\.path)).count == routes.count, "Route.table: a path is listed twice")
        return routes
    }
}

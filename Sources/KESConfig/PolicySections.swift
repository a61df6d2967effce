/// `policy:` and `api:`, the two sections keyed by user-chosen names.
extension ConfigReader {
    /// Policies sorted by name. Patterns are taken literally; identities are env-expanded.
    func policyConfigs(_ field: ConfigField) throws(ConfigError) -> [PolicyConfig] {
        var policies: [PolicyConfig] = []
        for (name, value) in try entries(field) {
            let policy = try section(value)
            // A misspelt `deny` would silently allow what it was meant to forbid.
            try rejectUnknownKeys(policy, known: ["allow", "deny", "identities"])
            policies.append(
                PolicyConfig(
                    name: name,
                    allow: try strings(policy.child("allow"), expand: false).filter { !$0.isEmpty },
                    deny: try strings(policy.child("deny"), expand: false).filter { !$0.isEmpty },
                    identities: try strings(policy.child("identities")).filter { !$0.isEmpty }
                )
            )
        }
        return policies.sorted { $0.name < $1.name }
    }

    /// KES's rules (docs/compatibility.md, "Policies"): an identity belongs to at most one policy and is
    /// neither the admin nor a TLS proxy; a proxy is not the admin.
    func checkIdentityAssignments(
        admin: String,
        tls: ServerTLSConfig,
        policies: [PolicyConfig]
    ) throws(ConfigError) {
        for (index, proxy) in tls.proxyIdentities.enumerated() where proxy == admin {
            throw error("tls.proxy.identities[\(index)]", "identity '\(proxy)' is already the admin identity")
        }
        var owner: [String: String] = [:]
        owner.reserveCapacity(policies.reduce(0) { $0 + $1.identities.count })
        for policy in policies {
            let path = "policy.\(policy.name).identities"
            for identity in policy.identities {
                if identity == admin {
                    throw error(path, "identity '\(identity)' is already the admin identity")
                }
                if tls.proxyIdentities.contains(identity) {
                    throw error(path, "identity '\(identity)' is already a TLS proxy identity")
                }
                if let other = owner[identity], other != policy.name {
                    throw error(path, "identity '\(identity)' is already assigned to policy '\(other)'")
                }
                owner[identity] = policy.name
            }
        }
    }

    /// Route settings keyed by path; `v1/status` and `/v1/status` are the same route.
    func apiConfig(_ field: ConfigField) throws(ConfigError) -> [String: APIRouteConfig] {
        var routes: [String: APIRouteConfig] = [:]
        for (rawPath, value) in try entries(field) {
            let route = try section(value)
            try rejectUnknownKeys(route, known: ["skip_auth", "timeout"])
            let path = rawPath.hasPrefix("/") ? rawPath : "/" + rawPath
            guard routes[path] == nil else {
                throw error(value.path, "path '\(path)' is configured more than once")
            }
            let timeout = try duration(route.child("timeout"))
            routes[path] = APIRouteConfig(
                skipAuth: try bool(route.child("skip_auth")) ?? false,
                timeout: timeout == .zero ? nil : timeout
            )
        }
        return routes
    }
}

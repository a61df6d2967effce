extension KESClient {
    /// A policy's metadata.
    /// - Throws: ``KESError/policyNotFound``.
    public func describePolicy(_ name: String) async throws -> PolicyInfo {
        var info = try await sendJSON(.GET, "/v1/policy/describe/" + Self.escape(name), as: PolicyInfo.self)
        if info.name.isEmpty { info.name = name }
        return info
    }

    /// A policy's allow and deny rules.
    /// - Throws: ``KESError/policyNotFound``.
    public func readPolicy(_ name: String) async throws -> Policy {
        var policy = try await sendJSON(.GET, "/v1/policy/read/" + Self.escape(name), as: Policy.self)
        if policy.name.isEmpty { policy.name = name }
        return policy
    }

    /// The names of the policies starting with `prefix`, sorted.
    public func listPolicies(prefix: String = "") async throws -> [String] {
        try await listAll("/v1/policy/list/", prefix: prefix)
    }
}

extension KESClient {
    /// Describes another identity.
    /// - Throws: ``KESError/identityNotFound``.
    public func describeIdentity(_ identity: String) async throws -> IdentityInfo {
        var info = try await sendJSON(.GET, "/v1/identity/describe/" + Self.escape(identity), as: IdentityInfo.self)
        if info.identity.isEmpty { info.identity = identity }
        return info
    }

    /// Describes the caller: its identity, whether it is the admin, and its policy's rules.
    /// - Throws: ``KESError/identityNotFound`` when no policy is assigned to the caller.
    public func describeSelf() async throws -> IdentityInfo {
        try await sendJSON(.GET, "/v1/identity/self/describe", as: IdentityInfo.self)
    }

    /// The identities starting with `prefix` that the server knows, sorted.
    public func listIdentities(prefix: String = "") async throws -> [String] {
        try await listAll("/v1/identity/list/", prefix: prefix)
    }
}

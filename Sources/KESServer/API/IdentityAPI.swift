import KESCore

extension API {
    func describeIdentity(_ request: APIRequest, settings: ServerSettings) throws(RequestError) -> APIResponse {
        let identity = Identity(String(request.argument))
        let policies = settings.policySet
        var json = JSONWriter()
        json.beginObject()
        if identity == policies.admin {
            json.field("admin", true)
            json.field("created_at", settings.adminCreatedAt.rfc3339)
        } else if let policy = policies.policyName(for: identity) {
            json.field("policy", policy)
            json.field("admin", false)
            json.field("created_at", settings.policiesCreatedAt.rfc3339)
            json.field("created_by", policies.admin.rawValue)
        } else {
            throw RequestError.identityNotFound
        }
        json.endObject()
        return .json(json)
    }

    /// docs/compatibility.md, "Self-describe": `policy` is the policy's name, with `allow`/`deny` beside it, as Go clients decode it.
    func describeSelf(_ request: APIRequest, settings: ServerSettings) throws(RequestError) -> APIResponse {
        guard let identity = request.identity, !identity.isEmpty else { throw RequestError.identityNotFound }
        let policies = settings.policySet
        var json = JSONWriter(capacity: 512)
        json.beginObject()
        json.field("identity", identity.rawValue)
        if identity == policies.admin {
            json.field("admin", true)
            json.field("created_at", settings.adminCreatedAt.rfc3339)
        } else if let name = policies.policyName(for: identity), let policy = policies.policies[name] {
            json.field("policy", name)
            Self.writeRules(policy, into: &json)
            json.field("created_at", settings.policiesCreatedAt.rfc3339)
            json.field("created_by", policies.admin.rawValue)
        } else {
            throw RequestError.identityNotFound
        }
        json.endObject()
        return .json(json)
    }

    func listIdentities(_ request: APIRequest, settings: ServerSettings) throws(RequestError) -> APIResponse {
        let list = try listArgument(request.argument)
        var identities = settings.policySet.assignments.keys.map(\.rawValue)
        if !settings.policySet.admin.isEmpty { identities.append(settings.policySet.admin.rawValue) }
        return ListPage.json(field: "identities", names: identities, list: list)
    }
}

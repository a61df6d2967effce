import KESCore

extension API {
    func describePolicy(_ request: APIRequest, settings: ServerSettings) throws(RequestError) -> APIResponse {
        let name = String(request.argument)
        guard settings.policySet.policies[name] != nil else { throw RequestError.policyNotFound }
        var json = JSONWriter()
        json.beginObject()
        json.field("name", name)
        json.field("created_at", settings.policiesCreatedAt.rfc3339)
        json.field("created_by", settings.policySet.admin.rawValue)
        json.endObject()
        return .json(json)
    }

    func readPolicy(_ request: APIRequest, settings: ServerSettings) throws(RequestError) -> APIResponse {
        let name = String(request.argument)
        guard let policy = settings.policySet.policies[name] else { throw RequestError.policyNotFound }
        var json = JSONWriter(capacity: 512)
        json.beginObject()
        json.field("name", name)
        Self.writeRules(policy, into: &json)
        json.field("created_at", settings.policiesCreatedAt.rfc3339)
        json.field("created_by", settings.policySet.admin.rawValue)
        json.endObject()
        return .json(json)
    }

    /// `"allow":{"<pattern>":{},…},"deny":{…}`, each omitted when empty, as KES writes them.
    static func writeRules(_ policy: Policy, into json: inout JSONWriter) {
        for (field, patterns) in [("allow", policy.allow), ("deny", policy.deny)] where !patterns.isEmpty {
            json.key(field)
            json.beginObject()
            for pattern in patterns {
                json.key(pattern.text)
                json.raw("{}")
            }
            json.endObject()
        }
    }

    func listPolicies(_ request: APIRequest, settings: ServerSettings) throws(RequestError) -> APIResponse {
        ListPage.json(field: "names", names: Array(settings.policySet.policies.keys), list: try listArgument(request.argument))
    }
}

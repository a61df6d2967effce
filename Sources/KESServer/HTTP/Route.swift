import NIOHTTP1

/// The fixed KES route table (TARGET rule 2). Prefix routes end in `/` and take the
/// rest of the path as their argument.
enum Route: Int, CaseIterable, Sendable {
    case version, ready, status, metrics, api
    case keyCreate, keyImport, keyDescribe, keyDelete, keyList, keyGenerate, keyEncrypt, keyDecrypt, keyHMAC
    case policyDescribe, policyRead, policyList
    case identityDescribe, identitySelfDescribe, identityList
    case logError, logAudit
    case secretCreate, secretDescribe, secretRead, secretDelete, secretList

    enum Authorization: Sendable {
        /// Admin or an allowing policy.
        case policy
        /// Policy-checked unless the config's `api` section marks it `skip_auth`.
        case policyUnlessSkipped
        /// Any caller; `/version` needs nothing, self-describe a certificate.
        case none
    }

    var path: String {
        switch self {
        case .version: "/version"
        case .ready: "/v1/ready"
        case .status: "/v1/status"
        case .metrics: "/v1/metrics"
        case .api: "/v1/api"
        case .keyCreate: "/v1/key/create/"
        case .keyImport: "/v1/key/import/"
        case .keyDescribe: "/v1/key/describe/"
        case .keyDelete: "/v1/key/delete/"
        case .keyList: "/v1/key/list/"
        case .keyGenerate: "/v1/key/generate/"
        case .keyEncrypt: "/v1/key/encrypt/"
        case .keyDecrypt: "/v1/key/decrypt/"
        case .keyHMAC: "/v1/key/hmac/"
        case .policyDescribe: "/v1/policy/describe/"
        case .policyRead: "/v1/policy/read/"
        case .policyList: "/v1/policy/list/"
        case .identityDescribe: "/v1/identity/describe/"
        case .identitySelfDescribe: "/v1/identity/self/describe"
        case .identityList: "/v1/identity/list/"
        case .logError: "/v1/log/error"
        case .logAudit: "/v1/log/audit"
        case .secretCreate: "/v1/secret/create/"
        case .secretDescribe: "/v1/secret/describe/"
        case .secretRead: "/v1/secret/read/"
        case .secretDelete: "/v1/secret/delete/"
        case .secretList: "/v1/secret/list/"
        }
    }

    var isPrefix: Bool { path.utf8.last == UInt8(ascii: "/") }

    /// Methods that the route accepts (TARGET rule 1). The first is the one `/v1/api` shows.
    var methods: [HTTPMethod] {
        switch self {
        case .keyCreate, .keyImport, .keyGenerate, .keyEncrypt, .keyDecrypt, .keyHMAC: [.PUT, .POST]
        case .secretCreate: [.POST, .PUT]
        case .keyDelete, .secretDelete: [.DELETE]
        default: [.GET]
        }
    }

    var acceptHeader: String { methods.map(\.rawValue).joined(separator: ", ") }

    var maxBody: Int {
        switch self {
        case .keyImport, .keyGenerate, .keyEncrypt, .keyDecrypt, .keyHMAC, .secretCreate: 1 << 20
        default: 0
        }
    }

    var defaultTimeout: Duration {
        switch self {
        case .logError, .logAudit: .zero
        default: .seconds(15)
        }
    }

    var authorization: Authorization {
        switch self {
        case .version, .identitySelfDescribe: .none
        case .ready, .status, .metrics, .api: .policyUnlessSkipped
        default: .policy
        }
    }

    /// Readiness probes and scrapes would drown the request metrics, as in KES.
    var isMetered: Bool {
        switch self {
        case .ready, .metrics: false
        default: true
        }
    }

    var isStream: Bool { self == .logError || self == .logAudit }

    /// Finds the route for a decoded URL path, returning the argument of prefix routes.
    /// Compares UTF-8 bytes against a table built once, since this runs on every request.
    static func match(_ path: Substring) -> (Route, Substring)? {
        let bytes = path.utf8
        if let exact = exactRoutes[Substring(path)] { return (exact, "") }
        for (prefix, route) in prefixTable where bytes.count >= prefix.count && bytes.starts(with: prefix) {
            return (route, Substring(bytes.dropFirst(prefix.count)))
        }
        return nil
    }

    private static let exactRoutes: [Substring: Route] = {
        var table: [Substring: Route] = [:]
        for route in Route.allCases {
            table[Substring(route.isPrefix ? String(route.path.dropLast()) : route.path)] = route
        }
        table["/ready"] = .ready
        return table
    }()

    /// Prefix routes, key routes first because MinIO calls them most.
    private static let prefixTable: [([UInt8], Route)] = Route.allCases.filter(\.isPrefix).map { (Array($0.path.utf8), $0) }

}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

    /// `methods.contains(method)` without building the array: it runs on every request.
    func accepts(_ method: HTTPMethod) -> Bool {
        switch self {
        case .keyCreate, .keyImport, .keyGenerate, .keyEncrypt, .keyDecrypt, .keyHMAC, .secretCreate:
            method == .PUT || method == .POST
        case .keyDelete, .secretDelete: method == .DELETE
        default: method == .GET
        }
    }

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
    /// Compares raw UTF-8 bytes against tables built once, since this runs on every request:
    /// Character-wise `Substring` matching cost about 2 % of a generate.
    static func match(_ path: Substring) -> (Route, Substring)? {
        var contiguous = path
        let found: (Route, Int)? = contiguous.withUTF8 { bytes in
            for (candidate, route) in exactTable where candidate.count == bytes.count && equal(bytes, candidate) {
                return (route, bytes.count)
            }
            for (prefix, route) in prefixTable where bytes.count >= prefix.count && equal(UnsafeBufferPointer(rebasing: bytes[..<prefix.count]), prefix) {
                return (route, prefix.count)
            }
            return nil
        }
        guard let (route, argumentStart) = found else { return nil }
        return (route, Substring(path.utf8.dropFirst(argumentStart)))
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ expected: [UInt8]) -> Bool {
        expected.withUnsafeBufferPointer { expected in
            memcmp(bytes.baseAddress!, expected.baseAddress!, expected.count) == 0
        }
    }

    /// Whole paths: the fixed routes, and prefix routes called without their trailing slash.
    private static let exactTable: [([UInt8], Route)] = {
        var table = Route.allCases.map { route in
            (Array((route.isPrefix ? String(route.path.dropLast()) : route.path).utf8), route)
        }
        table.append((Array("/ready".utf8), .ready))
        return table
    }()

    /// Prefix routes, key routes first because MinIO calls them most.
    private static let prefixTable: [([UInt8], Route)] = Route.allCases.filter(\.isPrefix).map { (Array($0.path.utf8), $0) }
}

import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One API route, described once. Method checks, `Accept` headers, body limits, deadlines,
/// authorization, metering, auditing, `/v1/api` and the handler all come from this value, so a
/// new route is one entry in `Route.table`.
final class Route: Sendable, CustomStringConvertible {
    /// Who may call a route.
    enum Authorization: Sendable {
        /// Admin or an allowing policy.
        case policy
        /// Policy-checked unless the config's `api` section marks it `skip_auth`.
        case policyUnlessSkipped
        /// Any caller; `/version` needs nothing, self-describe a certificate.
        case none
    }

    /// What the path argument of a prefix route is, checked before authorization, as KES does,
    /// so that a malformed name is a 400 for every caller.
    enum Argument: Sendable {
        case none
        /// A key, policy or identity name.
        case name
        /// A list prefix, with an optional trailing `*`.
        case listPrefix
    }

    /// How a route answers, given the API, the request and the settings snapshot it runs under.
    typealias Handler = @Sendable (API, APIRequest, ServerSettings) throws(RequestError) -> APIOutcome

    /// Position in `Route.table`; per-route settings are arrays indexed by it.
    let index: Int
    /// The path; prefix routes end in `/` and take the rest of the path as their argument.
    let path: String
    /// Other whole paths that reach this route (`/ready` for `/v1/ready`).
    let aliases: [String]
    /// Accepted methods; the first is the one `/v1/api` shows.
    let methods: [HTTPMethod]
    let maxBody: Int
    /// `.zero` means no deadline (log streams).
    let defaultTimeout: Duration
    let authorization: Authorization
    let argument: Argument
    /// Readiness probes and scrapes would drown the request metrics, as in KES.
    let isMetered: Bool
    let handler: Handler

    let isPrefix: Bool
    /// The `Accept` header of a 405 answer.
    let acceptHeader: String

    init(
        _ index: Int, _ path: String, aliases: [String] = [], methods: [HTTPMethod] = [.GET], maxBody: Int = 0,
        timeout: Duration = .seconds(15), authorization: Authorization = .policy, argument: Argument = .none,
        isMetered: Bool = true, handler: @escaping Handler
    ) {
        self.index = index
        self.path = path
        self.aliases = aliases
        self.methods = methods
        self.maxBody = maxBody
        self.defaultTimeout = timeout
        self.authorization = authorization
        self.argument = argument
        self.isMetered = isMetered
        self.handler = handler
        self.isPrefix = path.utf8.last == UInt8(ascii: "/")
        self.acceptHeader = methods.map(\.rawValue).joined(separator: ", ")
    }

    var description: String { path }

    func accepts(_ method: HTTPMethod) -> Bool {
        methods.contains(method)
    }

    /// The route a path names (`path` or an alias), for settings keyed by path.
    static func named(_ path: String) -> Route? {
        table.first { $0.path == path || $0.aliases.contains(path) }
    }

    /// Finds the route for a decoded URL path, returning the argument of prefix routes.
    /// Compares raw UTF-8 bytes against tables built once, since this runs on every request:
    /// Character-wise `Substring` matching cost about 2 % of a generate.
    static func match(_ path: Substring) -> (Route, Substring)? {
        var contiguous = path
        let found: (Route, Int)? = contiguous.withUTF8 { bytes in
            for (candidate, route) in exactTable where candidate.count == bytes.count && equal(bytes, candidate) {
                return (route, bytes.count)
            }
            for (prefix, route) in prefixTable
            where bytes.count >= prefix.count && equal(UnsafeBufferPointer(rebasing: bytes[..<prefix.count]), prefix) {
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

    /// Whole paths: the fixed routes, their aliases, and prefix routes called without their
    /// trailing slash.
    private static let exactTable: [([UInt8], Route)] = table.flatMap { route in
        let main = Array((route.isPrefix ? String(route.path.dropLast()) : route.path).utf8)
        return [(main, route)] + route.aliases.map { (Array($0.utf8), route) }
    }

    /// Prefix routes, in table order: key routes come first because MinIO calls them most.
    private static let prefixTable: [([UInt8], Route)] = table.filter(\.isPrefix).map { (Array($0.path.utf8), $0) }
}

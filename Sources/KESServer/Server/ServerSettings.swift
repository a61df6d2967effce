import KESCore

/// Everything a reload can change: policies, identities, route settings, TLS proxies and log
/// switches.
/// Requests read one immutable snapshot (one retain, not a copy), so a reload never tears a
/// request in half.
public final class ServerSettings: Sendable {
    public let policySet: PolicySet
    public let routes: RouteSettings
    /// `tls.proxy`: whose requests speak for the client whose certificate they forward.
    public let proxy: TLSProxy
    /// Audit events also go to stdout (`log.audit`).
    public let auditToStdout: Bool
    /// Error events also go to stderr (`log.error`).
    public let errorToStderr: Bool
    /// When these policies took effect; policy and identity descriptions show it.
    let policiesCreatedAt: Timestamp
    /// When the server started; the admin identity's description shows it, across reloads.
    let adminCreatedAt: Timestamp

    public convenience init(
        policySet: PolicySet, routes: RouteSettings = RouteSettings(), proxy: TLSProxy = TLSProxy(), auditToStdout: Bool = false,
        errorToStderr: Bool = true
    ) {
        let now = Timestamp.now()
        self.init(policySet: policySet, routes: routes, proxy: proxy, auditToStdout: auditToStdout, errorToStderr: errorToStderr,
                  policiesCreatedAt: now, adminCreatedAt: now)
    }

    init(policySet: PolicySet, routes: RouteSettings, proxy: TLSProxy, auditToStdout: Bool, errorToStderr: Bool,
         policiesCreatedAt: Timestamp, adminCreatedAt: Timestamp) {
        self.policySet = policySet
        self.routes = routes
        self.proxy = proxy
        self.auditToStdout = auditToStdout
        self.errorToStderr = errorToStderr
        self.policiesCreatedAt = policiesCreatedAt
        self.adminCreatedAt = adminCreatedAt
    }

    /// The same settings, with the admin's creation time carried over from a running server.
    func keepingAdminCreation(of running: ServerSettings) -> ServerSettings {
        ServerSettings(policySet: policySet, routes: routes, proxy: proxy, auditToStdout: auditToStdout, errorToStderr: errorToStderr,
                       policiesCreatedAt: policiesCreatedAt, adminCreatedAt: running.adminCreatedAt)
    }
}

/// Per-route overrides (the config's `api:` section): deadlines and skipped authentication.
public struct RouteSettings: Sendable {
    /// Indexed by `Route.index`; nil keeps the route's default.
    private var timeouts: [Duration?]
    private var skipAuth: [Bool]

    public init() {
        timeouts = Array(repeating: nil, count: Route.table.count)
        skipAuth = Array(repeating: false, count: Route.table.count)
    }

    /// - Parameters:
    ///   - timeouts: deadlines by route path (`/v1/key/generate/`); zero keeps the default, but
    ///     the path must still name a route.
    ///   - skipAuth: paths whose callers need no policy.
    /// - Throws: `SettingsError` naming a path that is no route, or a route whose
    ///   authentication cannot be skipped.
    public init(timeouts: [String: Duration], skipAuth: Set<String>) throws(SettingsError) {
        self.init()
        for (path, timeout) in timeouts {
            let route = try Self.route(path)
            if timeout > .zero { self.timeouts[route.index] = timeout }
        }
        for path in skipAuth {
            let route = try Self.route(path)
            guard route.authorization == .policyUnlessSkipped else {
                throw SettingsError(
                    message: "api.\(path).skip_auth: authentication can only be skipped for /v1/ready, /v1/status, /v1/metrics and /v1/api")
            }
            self.skipAuth[route.index] = true
        }
    }

    private static func route(_ path: String) throws(SettingsError) -> Route {
        guard let route = Route.named(path) else { throw SettingsError(message: "api: '\(path)' is not an API path") }
        return route
    }

    /// True when any route takes callers without a certificate check, so TLS must let
    /// certificate-less clients in.
    public var skipsAnyAuth: Bool { skipAuth.contains(true) }

    func timeout(for route: Route) -> Duration {
        timeouts[route.index] ?? route.defaultTimeout
    }

    func skipsAuth(_ route: Route) -> Bool {
        skipAuth[route.index]
    }
}

public struct SettingsError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}

import KESConfig
import KESCore

/// Everything a SIGHUP can change: policies, identities, API settings and log switches.
/// Requests read one immutable snapshot (one retain, not a copy), so a reload never tears a request in half.
final class ServerSettings: Sendable {
    let policySet: PolicySet
    let policiesCreatedAt: Timestamp
    let adminCreatedAt: Timestamp
    /// Per-route timeouts from the `api:` section; other routes keep `Route.defaultTimeout`.
    let timeouts: [Route: Duration]
    let skipAuth: Set<Route>
    let auditToStdout: Bool
    let errorToStderr: Bool

    init(config: ServerConfig, adminCreatedAt: Timestamp, now: Timestamp = .now()) throws(SettingsError) {
        let policies = config.policies.map { policy in
            (policy: Policy(name: policy.name, allow: policy.allow, deny: policy.deny),
             identities: policy.identities.map { Identity($0) })
        }
        do {
            policySet = try PolicySet(admin: Identity(config.adminIdentity), policies: policies)
        } catch {
            throw SettingsError(message: "config: policy: \(error)")
        }
        policiesCreatedAt = now
        self.adminCreatedAt = adminCreatedAt
        var timeouts: [Route: Duration] = [:]
        var skipAuth: Set<Route> = []
        for (path, settings) in config.api {
            guard let route = Route.allCases.first(where: { $0.path == path || ($0 == .ready && path == "/ready") }) else {
                throw SettingsError(message: "config: api: '\(path)' is not an API path")
            }
            if let timeout = settings.timeout, timeout > .zero { timeouts[route] = timeout }
            if settings.skipAuth {
                guard route.authorization == .policyUnlessSkipped else {
                    throw SettingsError(message: "config: api.\(path).skip_auth: authentication can only be skipped for /v1/ready, /v1/status, /v1/metrics and /v1/api")
                }
                skipAuth.insert(route)
            }
        }
        self.timeouts = timeouts
        self.skipAuth = skipAuth
        auditToStdout = config.log.audit
        errorToStderr = config.log.error
    }

    func timeout(for route: Route) -> Duration {
        timeouts[route] ?? route.defaultTimeout
    }
}

public struct SettingsError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

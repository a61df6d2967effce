import Foundation
import KESCore
import KESKeyStore
import NIOHTTP1

/// A Vault client token and what Vault said about its lifetime.
struct VaultToken: Sendable, Equatable {
    var value: String
    /// Zero means the token never expires.
    var ttl: Duration
    var renewable: Bool
    /// The lifetime to ask for on renewal: the TTL granted at login, or the token's creation TTL.
    var period: Duration
}

/// How the store obtains its token (docs/formats.md, "Key store layouts").
enum VaultAuthMethod: Sendable, Equatable {
    case appRole(VaultKeyStoreConfig.AppRole)
    case kubernetes(VaultKeyStoreConfig.Kubernetes)
    /// A fixed token; it is renewed when renewable but never replaced.
    case token(String)

    /// Picks the one configured method.
    /// - Throws: KES's startup errors (`vault: no authentication method specified`, …) when none or several are configured.
    init(config: VaultKeyStoreConfig) throws {
        let token = config.token.flatMap { $0.isEmpty ? nil : $0 }
        switch (config.approle, config.kubernetes, token) {
        case (nil, nil, nil):
            throw KeyStoreError.failed("vault: no authentication method specified")
        case (.some, .some, _):
            throw KeyStoreError.failed("vault: ambigious authentication: approle and kubernetes method specified")
        case (.some, nil, .some):
            throw KeyStoreError.failed("vault: ambigious authentication: approle and token method specified")
        case (nil, .some, .some):
            throw KeyStoreError.failed("vault: ambigious authentication: kubernetes and token method specified")
        case (let approle?, nil, nil):
            guard !approle.id.isEmpty, !approle.secret.isEmpty else {
                throw KeyStoreError.failed("vault: invalid approle config: 'id' and 'secret' are required")
            }
            self = .appRole(approle)
        case (nil, let kubernetes?, nil):
            guard !kubernetes.role.isEmpty, !kubernetes.jwt.isEmpty else {
                throw KeyStoreError.failed("vault: invalid kubernetes config: 'role' and 'jwt' are required")
            }
            self = .kubernetes(kubernetes)
        case (nil, nil, let token?):
            self = .token(token)
        }
    }

    /// True when a new token can be obtained by logging in again.
    var canLogIn: Bool {
        if case .token = self { return false }
        return true
    }

    /// The wait between attempts after a failed login or renewal.
    var retry: Duration {
        switch self {
        case .appRole(let approle): return approle.retry
        case .kubernetes(let kubernetes): return kubernetes.retry
        case .token: return .seconds(5)
        }
    }

    /// The namespace the token comes from: the method's own when set (`/` meaning the root),
    /// else the K/V engine's. Renewal and lookup go there too, since the token lives there.
    func loginNamespace(storeNamespace: String) -> String {
        let configured: String
        switch self {
        case .appRole(let approle): configured = approle.namespace
        case .kubernetes(let kubernetes): configured = kubernetes.namespace
        case .token: configured = ""
        }
        let trimmed = configured.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return storeNamespace }
        return trimmed == "/" ? "" : trimmed
    }

    var name: String {
        switch self {
        case .appRole: return "approle"
        case .kubernetes: return "kubernetes"
        case .token: return "token"
        }
    }
}

/// The token calls of Vault's HTTP API. Error texts never contain tokens, secret IDs or JWTs.
struct VaultAuthenticator: Sendable {
    let transport: VaultTransport
    let method: VaultAuthMethod
    /// From `method.loginNamespace(storeNamespace:)`; empty is the root namespace.
    let namespace: String

    init(transport: VaultTransport, method: VaultAuthMethod) {
        self.transport = transport
        self.method = method
        self.namespace = method.loginNamespace(storeNamespace: transport.namespace)
    }

    /// Logs in (AppRole, Kubernetes) or looks up the static token.
    func authenticate() async throws -> VaultToken {
        switch method {
        case .appRole(let approle):
            let body = try JSONEncoder.kes.encode(["role_id": approle.id, "secret_id": approle.secret])
            return try await login(engine: approle.engine.isEmpty ? "approle" : approle.engine, body: Array(body))
        case .kubernetes(let kubernetes):
            let jwt = try Self.readJWT(kubernetes.jwt)
            let body = try JSONEncoder.kes.encode(["role": kubernetes.role, "jwt": jwt])
            return try await login(engine: kubernetes.engine.isEmpty ? "kubernetes" : kubernetes.engine, body: Array(body))
        case .token(let token):
            return try await lookUp(token)
        }
    }

    /// Extends `token` by `increment`; returns the token with its new TTL.
    func renew(_ token: VaultToken, increment: Duration) async throws -> VaultToken {
        let seconds = max(Int64(1), increment.components.seconds)
        let body = Array(#"{"increment":"\#(seconds)s"}"#.utf8)
        let response = try await send(.POST, "auth/token/renew-self", body: body, token: token.value, what: "renew token")
        guard response.isSuccess else {
            throw KeyStoreError.failed("vault: failed to renew token: \(response.failureText)")
        }
        guard let auth = response.jsonObject()?["auth"] as? [String: Any] else {
            throw KeyStoreError.failed("vault: failed to renew token: response has no 'auth' entry")
        }
        return VaultToken(
            value: (auth["client_token"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? token.value,
            ttl: .seconds(Self.integer(auth["lease_duration"]) ?? 0),
            renewable: auth["renewable"] as? Bool ?? false,
            period: token.period
        )
    }

    private func login(engine: String, body: [UInt8]) async throws -> VaultToken {
        let location = VaultLayout.join("auth", engine, "login")
        let response = try await send(.POST, location, body: body, token: nil, what: "log in with \(method.name)")
        guard response.isSuccess else {
            if response.saysSealed { throw KeyStoreError.unavailable("vault: key store is sealed") }
            throw KeyStoreError.failed("vault: failed to log in with \(method.name): \(response.failureText)")
        }
        guard let auth = response.jsonObject()?["auth"] as? [String: Any],
              let token = auth["client_token"] as? String, !token.isEmpty
        else {
            throw KeyStoreError.failed("vault: authentication failed: server returned no error but also no token")
        }
        let ttl = Duration.seconds(Self.integer(auth["lease_duration"]) ?? 0)
        return VaultToken(value: token, ttl: ttl, renewable: auth["renewable"] as? Bool ?? false, period: ttl)
    }

    private func lookUp(_ token: String) async throws -> VaultToken {
        let response = try await send(.GET, "auth/token/lookup-self", body: nil, token: token, what: "look up token")
        guard response.isSuccess else {
            if response.saysSealed { throw KeyStoreError.unavailable("vault: key store is sealed") }
            throw KeyStoreError.failed("vault: authentication failed: token lookup: \(response.failureText)")
        }
        let data = response.jsonObject()?["data"] as? [String: Any] ?? [:]
        let ttl = Duration.seconds(Self.integer(data["ttl"]) ?? 0)
        let creationTTL = Self.integer(data["creation_ttl"]).map { Duration.seconds($0) } ?? ttl
        return VaultToken(value: token, ttl: ttl, renewable: data["renewable"] as? Bool ?? false, period: creationTTL)
    }

    private func send(
        _ method: HTTPMethod, _ location: String, body: [UInt8]?, token: String?, what: String
    ) async throws -> VaultResponse {
        do {
            return try await transport.send(method, location, json: body, token: token, namespace: namespace)
        } catch {
            throw KeyStoreError.unreachable("vault: no connection to \(transport.endpoint): failed to \(what): \(error)")
        }
    }

    /// A JWT containing `/` is a path to the service-account token file, read at every
    /// login because Kubernetes rotates that file.
    static func readJWT(_ jwt: String) throws -> String {
        guard jwt.contains("/") else { return jwt }
        do {
            let text = try String(contentsOfFile: jwt, encoding: .utf8)
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw KeyStoreError.failed("vault: failed to read JWT file '\(jwt)': \(error.localizedDescription)")
        }
    }

    /// Vault encodes durations as JSON numbers; JSONSerialization may hand them back as Int or Double.
    static func integer(_ value: Any?) -> Int64? {
        switch value {
        case let number as Int: return Int64(number)
        case let number as Int64: return number
        case let number as Double: return Int64(number)
        case let number as NSNumber: return number.int64Value
        case let string as String: return Int64(string)
        default: return nil
        }
    }
}

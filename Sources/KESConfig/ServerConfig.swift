import Foundation
import KESTLS

/// A KES server config file (docs/formats.md, "Config file"), parsed and validated.
///
/// Defaults are already applied; values from `${NAME}` references are already expanded.
/// CLI flags (`--addr`, `--key`, `--cert`) may override fields after loading, so the
/// presence of `tls.key` and `tls.cert` is checked by the server, not here.
public struct ServerConfig: Sendable {
    /// `address`, `0.0.0.0:7373` unless set.
    public var address: String
    /// `admin.identity`: 64 lowercase hex digits, or one of ``adminDisabledValues``, which no
    /// certificate's identity can equal.
    public var adminIdentity: String
    public var tls: ServerTLSConfig
    public var cache: CacheConfig
    public var log: LogConfig
    /// `policy.<name>`, sorted by name.
    public var policies: [PolicyConfig]
    /// `api.<path>`, keyed by the route path with a leading `/`.
    public var api: [String: APIRouteConfig]
    /// `keys[].name`: keys the server creates at startup if they are missing.
    public var keys: [String]
    public var keystore: KeyStoreSection
    /// `http`: connection limits, a swift-kes extension.
    public var http: HTTPConfig

    public static let defaultAddress = "0.0.0.0:7373"
    /// The `admin.identity` values that turn the admin off.
    public static let adminDisabledValues: Set<String> = ["disabled", "_"]

    public init(
        address: String = ServerConfig.defaultAddress,
        adminIdentity: String,
        tls: ServerTLSConfig = ServerTLSConfig(),
        cache: CacheConfig = CacheConfig(),
        log: LogConfig = LogConfig(),
        policies: [PolicyConfig] = [],
        api: [String: APIRouteConfig] = [:],
        keys: [String] = [],
        keystore: KeyStoreSection,
        http: HTTPConfig = HTTPConfig()
    ) {
        self.address = address
        self.adminIdentity = adminIdentity
        self.tls = tls
        self.cache = cache
        self.log = log
        self.policies = policies
        self.api = api
        self.keys = keys
        self.keystore = keystore
        self.http = http
    }
}

/// The `tls:` section: the server's own certificate and how clients are checked.
public struct ServerTLSConfig: Sendable, Equatable {
    /// `tls.key`: PEM private key file.
    public var keyPath: String
    /// `tls.cert`: PEM certificate (chain) file.
    public var certPath: String
    /// `tls.password`: decrypts a legacy-encrypted PEM key.
    public var password: String
    /// `tls.auth`: verify client certificate chains against `tls.ca` (and the system roots).
    /// Off by default: any certificate is accepted and requests are authorized by identity.
    public var auth: Bool
    /// `tls.ca`: a CA file or a directory of CA files.
    public var caPath: String
    /// `tls.proxy.identities`
    public var proxyIdentities: [String]
    /// `tls.proxy.header.cert`
    public var proxyCertHeader: String

    public init(
        keyPath: String = "",
        certPath: String = "",
        password: String = "",
        auth: Bool = false,
        caPath: String = "",
        proxyIdentities: [String] = [],
        proxyCertHeader: String = ""
    ) {
        self.keyPath = keyPath
        self.certPath = certPath
        self.password = password
        self.auth = auth
        self.caPath = caPath
        self.proxyIdentities = proxyIdentities
        self.proxyCertHeader = proxyCertHeader
    }
}

/// The `cache.expiry` section (docs/compatibility.md, "Cache"), with KES's defaults applied.
public struct CacheConfig: Sendable, Equatable {
    /// `cache.expiry.any`; 0 or unset means 5 minutes.
    public var expiryAny: Duration
    /// `cache.expiry.unused`; 0 or unset means 30 seconds.
    public var expiryUnused: Duration
    /// `cache.expiry.offline`; 0 (the default) keeps cached keys while the store is offline.
    public var expiryOffline: Duration

    public static let defaultExpiryAny: Duration = .seconds(5 * 60)
    public static let defaultExpiryUnused: Duration = .seconds(30)

    public init(
        expiryAny: Duration = CacheConfig.defaultExpiryAny,
        expiryUnused: Duration = CacheConfig.defaultExpiryUnused,
        expiryOffline: Duration = .zero
    ) {
        self.expiryAny = expiryAny
        self.expiryUnused = expiryUnused
        self.expiryOffline = expiryOffline
    }
}

/// The `log:` section: which events go to the console.
public struct LogConfig: Sendable, Equatable {
    /// `log.error`: error events to stderr; on by default.
    public var error: Bool
    /// `log.audit`: audit events to stdout; off by default.
    public var audit: Bool

    public init(error: Bool = true, audit: Bool = false) {
        self.error = error
        self.audit = audit
    }
}

/// One `policy.<name>` entry.
public struct PolicyConfig: Sendable, Equatable {
    public var name: String
    /// Path glob patterns, taken literally (never env-expanded).
    public var allow: [String]
    public var deny: [String]
    /// Assigned identities; empty entries are dropped.
    public var identities: [String]

    public init(name: String, allow: [String] = [], deny: [String] = [], identities: [String] = []) {
        self.name = name
        self.allow = allow
        self.deny = deny
        self.identities = identities
    }
}

/// One `api.<path>` entry.
public struct APIRouteConfig: Sendable, Equatable {
    /// `skip_auth`: honored by the server for `/v1/ready`, `/v1/status`, `/v1/metrics`, `/v1/api`.
    public var skipAuth: Bool
    /// `timeout`; `nil` when unset or 0, meaning the route's default.
    public var timeout: Duration?

    public init(skipAuth: Bool = false, timeout: Duration? = nil) {
        self.skipAuth = skipAuth
        self.timeout = timeout
    }
}

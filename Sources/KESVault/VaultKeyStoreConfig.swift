import KESKeyStore
import KESTLS
import Logging

/// `keystore.vault`, as KES configures HashiCorp Vault and OpenBao.
public struct VaultKeyStoreConfig: Sendable, Equatable {
    /// The nodes of one Vault or OpenBao cluster, tried in turn: the one that answered last first.
    public var endpoints: [String]
    /// The first endpoint; setting it replaces the list with that one endpoint.
    public var endpoint: String {
        get { endpoints.first ?? "" }
        set { endpoints = [newValue] }
    }
    /// The K/V mount, `kv` unless set.
    public var engine: String = "kv"
    /// `v1` or `v2` of the K/V engine.
    public var kvVersion: KVVersion = .v1
    public var namespace: String = ""
    public var prefix: String = ""
    public var approle: AppRole?
    public var kubernetes: Kubernetes?
    /// When set, every stored key is wrapped with this Transit key, so K/V alone never holds a usable key.
    public var transit: Transit?
    /// Not part of KES's schema; accepted so that a dev Vault or OpenBao can be used directly.
    public var token: String?
    public var tls: ClientTLS = ClientTLS()
    /// How often `sys/health` is polled; 15 s unless set.
    public var statusPing: Duration = .seconds(15)

    public enum KVVersion: String, Sendable, Equatable {
        case v1, v2
    }

    public struct AppRole: Sendable, Equatable {
        public var engine: String = "approle"
        /// Where to log in when that differs from the K/V engine's namespace; `/` is the root.
        public var namespace: String = ""
        public var id: String
        public var secret: String
        /// Wait between login attempts after a failure; 5 s unless set.
        public var retry: Duration = .seconds(5)

        public init(engine: String = "approle", id: String, secret: String, retry: Duration = .seconds(5)) {
            self.engine = engine
            self.id = id
            self.secret = secret
            self.retry = retry
        }
    }

    public struct Kubernetes: Sendable, Equatable {
        public var engine: String = "kubernetes"
        /// Where to log in when that differs from the K/V engine's namespace; `/` is the root.
        public var namespace: String = ""
        public var role: String
        /// The service-account token, or a path to the file holding it.
        public var jwt: String
        public var retry: Duration = .seconds(5)

        public init(engine: String = "kubernetes", role: String, jwt: String, retry: Duration = .seconds(5)) {
            self.engine = engine
            self.role = role
            self.jwt = jwt
            self.retry = retry
        }
    }

    /// `keystore.vault.transit`: the Transit mount and the name of the wrapping key in it.
    public struct Transit: Sendable, Equatable {
        public var engine: String = "transit"
        public var key: String

        public init(engine: String = "transit", key: String) {
            self.engine = engine
            self.key = key
        }
    }

    public init(endpoint: String) {
        self.endpoints = [endpoint]
    }

    public init(endpoints: [String]) {
        self.endpoints = endpoints
    }
}

extension VaultKeyStoreConfig: KeyStoreConfiguration {
    public func connect(logger: Logger) async throws -> any KeyStore {
        try await VaultKeyStore(config: self, logger: logger)
    }
}

import KESKeyStore
import KESTLS
import Logging

/// `keystore.vault`, as KES configures HashiCorp Vault and OpenBao.
public struct VaultKeyStoreConfig: Sendable, Equatable {
    public var endpoint: String
    /// The K/V mount, `kv` unless set.
    public var engine: String = "kv"
    /// `v1` or `v2` of the K/V engine.
    public var kvVersion: KVVersion = .v1
    public var namespace: String = ""
    public var prefix: String = ""
    public var approle: AppRole?
    public var kubernetes: Kubernetes?
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

    public init(endpoint: String) {
        self.endpoint = endpoint
    }
}

extension VaultKeyStoreConfig: KeyStoreConfiguration {
    public func connect(logger: Logger) async throws -> any KeyStore {
        try await VaultKeyStore(config: self, logger: logger)
    }
}

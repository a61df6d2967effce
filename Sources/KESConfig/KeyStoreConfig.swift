/// The `keystore:` section of a KES server config: exactly one backend.
public enum KeyStoreConfig: Sendable, Equatable {
    case fs(FSKeyStoreConfig)
    case vault(VaultKeyStoreConfig)
    case awsSecretsManager(AWSSecretsManagerConfig)
    case kes(KESKeyStoreConfig)
}

/// `keystore.fs`
public struct FSKeyStoreConfig: Sendable, Equatable {
    public var path: String

    public init(path: String) {
        self.path = path
    }
}

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

/// `keystore.aws.secretsmanager`
public struct AWSSecretsManagerConfig: Sendable, Equatable {
    /// e.g. `secretsmanager.us-east-2.amazonaws.com` or `http://127.0.0.1:5000`.
    public var endpoint: String
    public var region: String
    /// Optional KMS key ID or ARN used to encrypt new secrets.
    public var kmsKey: String = ""
    public var accessKey: String = ""
    public var secretKey: String = ""
    public var sessionToken: String = ""

    public init(endpoint: String, region: String) {
        self.endpoint = endpoint
        self.region = region
    }
}

/// `keystore.kes`: another KES-compatible server used as the key store.
public struct KESKeyStoreConfig: Sendable, Equatable {
    public var endpoints: [String]
    public var enclave: String = ""
    public var apiKey: String = ""
    public var tls: ClientTLS = ClientTLS()

    public init(endpoints: [String]) {
        self.endpoints = endpoints
    }
}

/// Client-side TLS settings a backend uses to reach its server.
public struct ClientTLS: Sendable, Equatable {
    public var keyPath: String = ""
    public var certPath: String = ""
    /// A CA file or a directory of CA files; empty means the system roots.
    public var caPath: String = ""
    /// Skip verification of the server certificate (tests and dev only).
    public var insecureSkipVerify: Bool = false

    public init(keyPath: String = "", certPath: String = "", caPath: String = "", insecureSkipVerify: Bool = false) {
        self.keyPath = keyPath
        self.certPath = certPath
        self.caPath = caPath
        self.insecureSkipVerify = insecureSkipVerify
    }
}

import KESKeyStore
import Logging

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

extension AWSSecretsManagerConfig: KeyStoreConfiguration {
    public func connect(logger: Logger) async throws -> any KeyStore {
        try await AWSSecretsManagerKeyStore(config: self, logger: logger)
    }
}

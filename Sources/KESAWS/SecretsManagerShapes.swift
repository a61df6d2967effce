/// Request and response bodies of the Secrets Manager and KMS JSON APIs, limited
/// to the fields this backend sends or reads. Field names are AWS's.
enum SecretsManager {
    struct CreateSecretInput: Encodable {
        var Name: String
        var SecretString: String? = nil
        /// Base64, as the JSON protocol encodes blobs.
        var SecretBinary: String? = nil
        var KmsKeyId: String? = nil
        /// One per create, kept across its retries: AWS then applies a retried create once, where
        /// without it a retry after a lost answer would find the secret and report "exists".
        /// The AWS SDKs fill it the same way.
        var ClientRequestToken: String? = nil
    }

    struct SecretIDInput: Encodable {
        var SecretId: String
    }

    struct DeleteSecretInput: Encodable {
        var SecretId: String
        var ForceDeleteWithoutRecovery: Bool
    }

    struct ListSecretsInput: Encodable {
        var MaxResults: Int
        var NextToken: String?
    }

    struct GetSecretValueOutput: Decodable {
        var SecretString: String?
        /// Base64, as the JSON protocol encodes blobs.
        var SecretBinary: String?
    }

    struct ListSecretsOutput: Decodable {
        struct Entry: Decodable {
            var Name: String?
        }
        var SecretList: [Entry]?
        var NextToken: String?
    }

    /// Responses whose content this backend does not need.
    struct Ignored: Decodable {}
}

enum KMS {
    struct KeyIDInput: Encodable {
        var KeyId: String
    }

    struct DescribeKeyOutput: Decodable {
        struct Metadata: Decodable {
            var KeyId: String?
            var KeyState: String?
            var KeyUsage: String?
            var Enabled: Bool?
        }
        var KeyMetadata: Metadata?
    }

    struct CreateKeyOutput: Decodable {
        var KeyMetadata: DescribeKeyOutput.Metadata?
    }
}

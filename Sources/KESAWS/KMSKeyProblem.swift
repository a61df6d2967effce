/// A reason why the KMS key that protects secrets cannot be used, with the
/// error-log line KES-style servers write for it (e.g.
/// `aws: the CMK '<id>' does not exist`).
struct KMSKeyProblem: Sendable, Equatable {
    var logLine: String
    var error: AWSServiceError

    /// The key name used in log lines when no `kmskey` is configured: Secrets
    /// Manager then encrypts with the account's AWS-managed key.
    static let defaultKeyAlias = "aws/secretsmanager"

    /// Reads a KMS `DescribeKey` answer. Nil means the key can encrypt.
    static func fromDescription(_ metadata: KMS.DescribeKeyOutput.Metadata, keyID: String) -> KMSKeyProblem? {
        let state = metadata.KeyState ?? ((metadata.Enabled ?? true) ? "Enabled" : "Disabled")
        let line: String
        switch state {
        case "Enabled":
            if let usage = metadata.KeyUsage, usage != "ENCRYPT_DECRYPT" {
                line = "aws: the CMK '\(keyID)' cannot be used for encryption"
            } else {
                return nil
            }
        case "Disabled":
            line = "aws: the CMK '\(keyID)' is disabled"
        case "PendingDeletion", "PendingReplicaDeletion":
            line = "aws: the CMK '\(keyID)' is pending deletion"
        default:
            line = "aws: the CMK '\(keyID)' is not usable in state \(state)"
        }
        let error = AWSServiceError(
            code: state == "Disabled" ? "DisabledException" : "KMSInvalidStateException",
            message: "\(line.dropFirst("aws: ".count))",
            httpStatus: 400
        )
        return KMSKeyProblem(logLine: line, error: error)
    }

    /// Reads a failed KMS `DescribeKey`. Only a definite "no such key" counts:
    /// other failures (access denied to `DescribeKey`, outages) leave the
    /// decision to Secrets Manager itself.
    static func fromDescribeKeyError(_ error: AWSServiceError, keyID: String) -> KMSKeyProblem? {
        guard error.code == "NotFoundException" else { return nil }
        return KMSKeyProblem(logLine: "aws: the CMK '\(keyID)' does not exist", error: error)
    }

    /// Reads a failed `CreateSecret` that names a KMS cause.
    static func fromCreateError(_ error: AWSServiceError, keyID: String) -> KMSKeyProblem? {
        let code = error.code
        let message = error.message.lowercased()
        let line: String
        if code == "KMSNotFoundException" || (code.hasSuffix("NotFoundException") && message.contains("key")) {
            line = "aws: the CMK '\(keyID)' does not exist"
        } else if code == "KMSDisabledException" || (code.hasPrefix("KMS") && message.contains("disabled")) {
            line = "aws: the CMK '\(keyID)' is disabled"
        } else if code == "EncryptionFailure" || code.hasPrefix("KMS") {
            line = "aws: the CMK '\(keyID)' cannot be used for encryption"
        } else {
            return nil
        }
        return KMSKeyProblem(logLine: line, error: error)
    }

    /// Reads a failed `GetSecretValue` that names a KMS cause (`DecryptionFailure`
    /// and the `KMS…` family).
    static func fromReadError(_ error: AWSServiceError, keyID: String) -> KMSKeyProblem? {
        let code = error.code
        guard code == "DecryptionFailure" || code.hasPrefix("KMS") else { return nil }
        let message = error.message.lowercased()
        let line: String
        if message.contains("incorrectkey") || message.contains("not encrypted with")
            || message.contains("different key") || message.contains("invalidciphertext")
        {
            line = "aws: secret was not encrypted with '\(keyID)'"
        } else if code == "KMSNotFoundException" || message.contains("does not exist") || message.contains("not found") {
            line = "aws: the CMK '\(keyID)' does not exist"
        } else if code == "KMSDisabledException" || message.contains("disabled") {
            line = "aws: the CMK '\(keyID)' is disabled"
        } else {
            line = "aws: the CMK '\(keyID)' cannot be used for decryption"
        }
        return KMSKeyProblem(logLine: line, error: error)
    }
}

/// Static AWS credentials. `description` never shows the secret parts.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Empty unless the credentials are temporary (STS).
    public var sessionToken: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String = "") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "AWSCredentials(accessKeyID: \(accessKeyID))" }

    /// The configured credentials when an access key is set, else the standard
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`
    /// variables; nil when neither provides a key pair.
    ///
    /// Credential files and instance roles of the full SDK chain are not supported.
    public static func resolve(
        accessKey: String,
        secretKey: String,
        sessionToken: String,
        environment: [String: String]
    ) -> AWSCredentials? {
        if !accessKey.isEmpty || !secretKey.isEmpty {
            guard !accessKey.isEmpty, !secretKey.isEmpty else { return nil }
            return AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: sessionToken)
        }
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        return AWSCredentials(
            accessKeyID: id,
            secretAccessKey: secret,
            sessionToken: environment["AWS_SESSION_TOKEN"] ?? ""
        )
    }
}

import Foundation

/// One set of AWS credentials. Printing, dumping or interpolating it shows none of its parts:
/// even the access key ID names an account, so it stays out of logs and errors too.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Empty unless the credentials are temporary (STS).
    public var sessionToken: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String = "") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        sessionToken.isEmpty ? "AWSCredentials(redacted)" : "AWSCredentials(redacted, temporary)"
    }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Credentials and the moment they stop working; `expiration` is nil for long-term keys.
public struct ExpiringCredentials: Sendable, Equatable {
    public var credentials: AWSCredentials
    public var expiration: Date?

    public init(_ credentials: AWSCredentials, expiration: Date? = nil) {
        self.credentials = credentials
        self.expiration = expiration
    }
}

/// Where requests get the credentials they are signed with. Asked once per request, so that
/// temporary credentials can be replaced underneath a running key store.
public protocol AWSCredentialsProvider: Sendable {
    func credentials() async throws -> AWSCredentials
}

/// Long-term keys, from the config, the environment or a credentials file.
public struct StaticCredentialsProvider: AWSCredentialsProvider {
    public let value: AWSCredentials

    public init(_ value: AWSCredentials) {
        self.value = value
    }

    public func credentials() async throws -> AWSCredentials { value }
}

/// Why no credentials could be had. The text names sources, files and endpoints, never a
/// credential, token or secret.
public struct AWSCredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The error answers of the KES API that clients recognize by status and exact text, as the Go
/// SDKs do. The server sends these and the SDK matches them: one catalogue, so the two cannot
/// drift apart.
public struct WireError: Sendable, Hashable, CustomStringConvertible {
    public let status: Int
    public let message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status) \(message)" }

    public static let keyExists = WireError(status: 400, message: "key already exists")
    public static let keyNotFound = WireError(status: 404, message: "key does not exist")
    public static let notAuthorized = WireError(status: 403, message: "not authorized: insufficient permissions")
    public static let notAuthentic = WireError(status: 400, message: "decryption failed: ciphertext is not authentic")
    public static let policyNotFound = WireError(status: 404, message: "policy does not exist")
    public static let identityNotFound = WireError(status: 404, message: "identity does not exist")
    public static let notImplemented = WireError(status: 501, message: "not implemented")
    public static let methodNotAllowed = WireError(status: 405, message: "method not allowed")
    public static let noCertificate = WireError(status: 400, message: "no client certificate is present")
    public static let tooManyCertificates = WireError(status: 400, message: "too many client certificates are present")
    public static let invalidCertificate = WireError(status: 400, message: "invalid client certificate")
    public static let bodyTooLarge = WireError(status: 400, message: "http: request body too large")
    public static let hmacUnsupported = WireError(status: 409, message: "key does not support HMAC")
    public static let failedToCreate = WireError(status: 502, message: "bad gateway: failed to create key")
    public static let failedToAccess = WireError(status: 502, message: "bad gateway: failed to access key")
    public static let failedToDelete = WireError(status: 502, message: "bad gateway: failed to delete key")
    public static let failedToList = WireError(status: 502, message: "bad gateway: failed to list keys")
    public static let keyStoreUnreachable = WireError(status: 504, message: "key store is not reachable")
    public static let keyStoreUnavailable = WireError(status: 502, message: "key store is unavailable")

    /// Texts older KES releases send for `keyExists` and `notAuthorized`; clients accept both.
    public static let legacyKeyExists = WireError(status: 400, message: "key does already exist")
    public static let legacyNotAuthorized = WireError(status: 403, message: "prohibited by policy")
}

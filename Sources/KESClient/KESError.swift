import KESCore

/// An error from a KES server, or the failure to reach one.
///
/// Server errors are recognized by their (status, exact message) pair, as the Go SDKs do
/// (docs/compatibility.md, "Error bodies"), including the legacy texts older servers send.
public enum KESError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400 `key already exists` (or the legacy `key does already exist`).
    case keyExists
    /// 404 `key does not exist`.
    case keyNotFound
    /// 403 `not authorized: insufficient permissions` (or the legacy `prohibited by policy`).
    case notAuthorized
    /// 400 `decryption failed: ciphertext is not authentic`: wrong key, wrong context or a damaged ciphertext.
    case notAuthentic
    /// 404 `policy does not exist`.
    case policyNotFound
    /// 404 `identity does not exist`.
    case identityNotFound
    /// 501 `not implemented`: the server does not offer this API.
    case notImplemented
    /// Any other error response.
    case server(status: Int, message: String)
    /// No endpoint could be reached (connection refused, TLS failure, timeout).
    case unreachable(endpoint: String, reason: String)

    /// Maps an error response to its typed case.
    public init(status: Int, message: String) {
        switch WireError(status: status, message: message) {
        case .keyExists, .legacyKeyExists: self = .keyExists
        case .keyNotFound: self = .keyNotFound
        case .notAuthorized, .legacyNotAuthorized: self = .notAuthorized
        case .notAuthentic: self = .notAuthentic
        case .policyNotFound: self = .policyNotFound
        case .identityNotFound: self = .identityNotFound
        case .notImplemented: self = .notImplemented
        default: self = .server(status: status, message: message)
        }
    }

    /// The catalogue entry of a typed case.
    private var wire: WireError? {
        switch self {
        case .keyExists: .keyExists
        case .keyNotFound: .keyNotFound
        case .notAuthorized: .notAuthorized
        case .notAuthentic: .notAuthentic
        case .policyNotFound: .policyNotFound
        case .identityNotFound: .identityNotFound
        case .notImplemented: .notImplemented
        case .server, .unreachable: nil
        }
    }

    /// The HTTP status; 0 when no server answered.
    public var status: Int {
        switch self {
        case .server(let status, _): status
        case .unreachable: 0
        default: wire?.status ?? 0
        }
    }

    /// The server's message (the canonical text for typed cases).
    public var message: String {
        switch self {
        case .server(_, let message): message
        case .unreachable(let endpoint, let reason): "\(endpoint) is not reachable: \(reason)"
        default: wire?.message ?? ""
        }
    }

    public var description: String { message }

    /// True for errors where another attempt may succeed: 503 and network failures.
    var isRetryable: Bool {
        switch self {
        case .unreachable: true
        case .server(let status, _): status == 503
        default: false
        }
    }

    /// True when another endpoint should be tried: network failures and 5xx other than 501.
    var triggersFailover: Bool {
        switch self {
        case .unreachable: true
        case .server(let status, _): status >= 500 && status != 501
        default: false
        }
    }
}

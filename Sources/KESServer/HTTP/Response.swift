import KESCore
import NIOHTTP1

/// What a handler answers: a status and a body with its content type.
struct APIResponse: Sendable {
    var status: HTTPResponseStatus
    var contentType: String?
    var body: [UInt8]
    var extraHeaders: [(String, String)] = []

    static func ok() -> APIResponse {
        APIResponse(status: .ok, contentType: nil, body: [])
    }

    static func json(_ body: [UInt8], status: HTTPResponseStatus = .ok) -> APIResponse {
        APIResponse(status: status, contentType: "application/json", body: body)
    }

    static func json(_ writer: JSONWriter) -> APIResponse {
        json(writer.bytes)
    }

    static func error(_ error: RequestError) -> APIResponse {
        var response = APIResponse(status: error.status, contentType: "application/json", body: JSONWriter.message(error.message))
        if case .methodNotAllowed(let allowed) = error.kind {
            response.extraHeaders.append(("Accept", allowed))
        }
        return response
    }
}

/// An error a client sees: status plus the exact KES message.
struct RequestError: Error, Sendable {
    enum Kind: Sendable {
        case plain
        case methodNotAllowed(String)
    }

    let status: HTTPResponseStatus
    let message: String
    var kind: Kind = .plain

    static func badRequest(_ message: String) -> RequestError { RequestError(status: .badRequest, message: message) }

    static let keyNotFound = RequestError(.keyNotFound)
    static let keyExists = RequestError(.keyExists)
    static let notAuthorized = RequestError(.notAuthorized)
    static let notAuthentic = RequestError(.notAuthentic)
    static let policyNotFound = RequestError(.policyNotFound)
    static let identityNotFound = RequestError(.identityNotFound)
    static let notImplemented = RequestError(.notImplemented)
    static let noCertificate = RequestError(.noCertificate)
    static let tooManyCertificates = RequestError(.tooManyCertificates)
    static let invalidCertificate = RequestError(.invalidCertificate)
    /// A forwarded certificate that does not chain to the trusted CAs: KES answers 403 with an
    /// empty message.
    static let untrustedForwardedCertificate = RequestError(status: .forbidden, message: "")
    static let bodyTooLarge = RequestError(.bodyTooLarge)
    static let hmacUnsupported = RequestError(.hmacUnsupported)
    static let failedToCreate = RequestError(.failedToCreate)
    static let failedToAccess = RequestError(.failedToAccess)
    static let failedToDelete = RequestError(.failedToDelete)
    static let failedToList = RequestError(.failedToList)
    static let keyStoreUnreachable = RequestError(.keyStoreUnreachable)
    static let keyStoreUnavailable = RequestError(.keyStoreUnavailable)

    init(status: HTTPResponseStatus, message: String, kind: Kind = .plain) {
        self.status = status
        self.message = message
        self.kind = kind
    }

    init(_ error: WireError, kind: Kind = .plain) {
        self.init(status: HTTPResponseStatus(statusCode: error.status), message: error.message, kind: kind)
    }

    static func methodNotAllowed(_ allowed: String) -> RequestError {
        RequestError(.methodNotAllowed, kind: .methodNotAllowed(allowed))
    }
}

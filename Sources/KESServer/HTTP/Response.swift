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

    static let keyNotFound = RequestError(status: .notFound, message: "key does not exist")
    static let keyExists = RequestError(status: .badRequest, message: "key already exists")
    static let notAuthorized = RequestError(status: .forbidden, message: "not authorized: insufficient permissions")
    static let notAuthentic = RequestError(status: .badRequest, message: "decryption failed: ciphertext is not authentic")
    static let policyNotFound = RequestError(status: .notFound, message: "policy does not exist")
    static let identityNotFound = RequestError(status: .notFound, message: "identity does not exist")
    static let notImplemented = RequestError(status: .notImplemented, message: "not implemented")
    static let noCertificate = RequestError(status: .badRequest, message: "no client certificate is present")
    static let bodyTooLarge = RequestError(status: .badRequest, message: "http: request body too large")
    static let hmacUnsupported = RequestError(status: .conflict, message: "key does not support HMAC")
    static let failedToCreate = RequestError(status: .badGateway, message: "bad gateway: failed to create key")
    static let failedToAccess = RequestError(status: .badGateway, message: "bad gateway: failed to access key")
    static let failedToDelete = RequestError(status: .badGateway, message: "bad gateway: failed to delete key")
    static let failedToList = RequestError(status: .badGateway, message: "bad gateway: failed to list keys")
    static let keyStoreUnreachable = RequestError(status: .gatewayTimeout, message: "key store is not reachable")
    static let keyStoreUnavailable = RequestError(status: .badGateway, message: "key store is unavailable")

    static func methodNotAllowed(_ allowed: String) -> RequestError {
        RequestError(status: .methodNotAllowed, message: "method not allowed", kind: .methodNotAllowed(allowed))
    }
}

import KESCore

/// One parsed request as the API layer sees it.
struct APIRequest: Sendable {
    let route: Route
    /// The decoded path argument of prefix routes (a key name, a pattern, …).
    let argument: Substring
    /// The decoded URL path; policies match against it.
    let path: Substring
    let body: [UInt8]
    /// The caller, from the client certificate; nil when it sent none.
    let identity: Identity?
}

/// How a handler answers: at once (the hot path for cached keys), after async work
/// (backend calls), or by turning the connection into a log stream.
enum APIOutcome: Sendable {
    case now(APIResponse)
    case later(@Sendable () async -> APIResponse)
    case stream(LogStream)
}

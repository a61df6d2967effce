import Foundation
import KESCore
import NIOHTTP1

/// One request from its head to its answer. A class, so that moving it between connection
/// states is one reference, not a copy of every field.
final class RequestInProgress {
    let head: HTTPRequestHead
    /// nil when the path names no route (answered 501) or cannot be decoded (400).
    let route: Route?
    let argument: Substring
    let path: Substring
    /// Who the request speaks for: the peer, or the client a TLS proxy forwarded.
    let caller: Caller
    /// Set when the request is answered with an error however its body turns out; `close` cuts
    /// the connection after that answer.
    let rejection: (error: RequestError, close: Bool)?
    /// The check for a forwarded certificate that was in force when the head was read.
    var forwardedChains: ForwardedChainVerifier?
    var body: [UInt8] = []
    /// Body bytes read and dropped while the request is being rejected.
    var discarded = 0
    let arrival: Timestamp
    let started: ContinuousClock.Instant

    init(head: HTTPRequestHead, route: Route?, argument: Substring, path: Substring, caller: Caller,
         rejection: (error: RequestError, close: Bool)?, arrival: Timestamp = .now(), started: ContinuousClock.Instant = .now) {
        self.head = head
        self.route = route
        self.argument = argument
        self.path = path
        self.caller = caller
        self.rejection = rejection
        self.arrival = arrival
        self.started = started
    }

    var isMetered: Bool { route?.isMetered == true }

    /// The client sent `Expect: 100-continue` and holds its body back until told to send it.
    var expectsContinue: Bool {
        head.version == .http1_1 && head.headers.first(name: "expect")?.lowercased() == "100-continue"
    }

    /// Takes a request head apart: path, route, who it speaks for, method and announced body
    /// size. Pure; it decides nothing about the connection.
    /// - Parameters:
    ///   - peer: the connected client, from its certificate and socket.
    ///   - proxy: the TLS proxies whose requests speak for another client.
    static func intake(_ head: HTTPRequestHead, peer: Caller = Caller(), proxy: TLSProxy = TLSProxy()) -> RequestInProgress {
        let request = classify(head, peer: peer, proxy: proxy)
        if head.version == .http1_1 && !head.headers.contains(name: "host") {
            // HTTP/1.1 requires Host; Go's server, and so KES, refuses a request without it
            // before looking at its path.
            return RequestInProgress(head: head, route: request.route, argument: request.argument, path: request.path,
                                     caller: peer, rejection: (.badRequest("missing required Host header"), true))
        }
        return request
    }

    private static func classify(_ head: HTTPRequestHead, peer: Caller, proxy: TLSProxy) -> RequestInProgress {
        guard let path = decodedPath(head.uri) else {
            return RequestInProgress(head: head, route: nil, argument: "", path: Substring(head.uri), caller: peer,
                                     rejection: (.badRequest("invalid URL path"), false))
        }
        guard let (route, argument) = Route.match(path) else {
            return RequestInProgress(head: head, route: nil, argument: "", path: path, caller: peer,
                                     rejection: (.notImplemented, false))
        }
        // KES checks a proxy's request right after routing, before the method: a broken
        // forwarded certificate is a 400 on every route, `/version` and skipped ones included.
        let caller: Caller
        do {
            caller = try proxy.caller(for: head.headers, peer: peer)
        } catch {
            return RequestInProgress(head: head, route: route, argument: argument, path: path, caller: peer,
                                     rejection: (error, false))
        }
        var rejection: (error: RequestError, close: Bool)?
        if !route.accepts(head.method) {
            rejection = (.methodNotAllowed(route.acceptHeader), false)
        } else if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > route.maxBody {
            rejection = (.bodyTooLarge, true)
        }
        return RequestInProgress(head: head, route: route, argument: argument, path: path, caller: caller, rejection: rejection)
    }

    /// The URL path without its query, percent-decoded; nil when the encoding is broken.
    static func decodedPath(_ uri: String) -> Substring? {
        var path = Substring(uri)
        if let query = path.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) { path = path[..<query] }
        guard path.utf8.contains(UInt8(ascii: "%")) else { return path }
        guard let decoded = String(path).removingPercentEncoding else { return nil }
        return Substring(decoded)
    }
}

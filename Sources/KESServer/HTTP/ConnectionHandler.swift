import Foundation
import KESCore
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS

/// One per connection: reads requests, routes them, and writes responses.
///
/// The caller's identity is computed once per connection, from the certificate the
/// TLS handshake verified; it cannot change within a connection, and TLS 1.3 session
/// resumption skips the verify callback, so the handshake result is the only source.
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case reading(Pending)
        /// The request is answered with an error once its body has been read (or skipped).
        case rejecting(Pending, RequestError, close: Bool)
        case processing
        case streaming
    }

    private struct Pending {
        let head: HTTPRequestHead
        let route: Route?
        let argument: Substring
        let path: Substring
        var body: [UInt8]
        let arrival: Timestamp
        let started: ContinuousClock.Instant
    }

    private let context: ServerContext
    private let api: API
    private var state = State.idle
    private var identity: Identity?
    private var identityResolved = false
    private var remoteIP: String?

    init(context: ServerContext) {
        self.context = context
        self.api = API(context: context)
    }

    func channelActive(context: ChannelHandlerContext) {
        remoteIP = context.channel.remoteAddress?.ipAddress
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            resolveIdentity(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func resolveIdentity(context: ChannelHandlerContext) {
        guard !identityResolved else { return }
        identityResolved = true
        guard let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
              let certificate = tls.peerCertificate,
              let der = try? certificate.toDERBytes()
        else { return }
        identity = try? Identity(certificateDER: der)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            startRequest(head)
        case .body(var chunk):
            switch state {
            case .reading(var pending):
                let limit = pending.route?.maxBody ?? 0
                if pending.body.count + chunk.readableBytes > limit {
                    state = .rejecting(pending, .bodyTooLarge, close: true)
                    return
                }
                state = .processing  // avoid a copy-on-write of the body while appending
                pending.body.append(contentsOf: chunk.readBytes(length: chunk.readableBytes) ?? [])
                state = .reading(pending)
            default:
                break
            }
        case .end:
            switch state {
            case .reading(let pending):
                state = .processing
                dispatch(pending, context: context)
            case .rejecting(let pending, let error, let close):
                state = .processing
                finish(pending, response: .error(error), close: close || !pending.head.isKeepAlive, context: context)
            default:
                break
            }
        }
    }

    private func startRequest(_ head: HTTPRequestHead) {
        if !identityResolved, let channelContext { resolveIdentity(context: channelContext) }
        let arrival = Timestamp.now()
        let started = ContinuousClock.now
        guard let path = Self.decodedPath(head.uri) else {
            let pending = Pending(head: head, route: nil, argument: "", path: Substring(head.uri), body: [], arrival: arrival, started: started)
            state = .rejecting(pending, .badRequest("invalid URL path"), close: false)
            return
        }
        guard let (route, argument) = Route.match(path) else {
            let pending = Pending(head: head, route: nil, argument: "", path: path, body: [], arrival: arrival, started: started)
            state = .rejecting(pending, .notImplemented, close: false)
            return
        }
        let pending = Pending(head: head, route: route, argument: argument, path: path, body: [], arrival: arrival, started: started)
        if route.isMetered { context.metrics.requestStarted() }
        guard route.methods.contains(head.method) else {
            state = .rejecting(pending, .methodNotAllowed(route.acceptHeader), close: false)
            return
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > route.maxBody {
            state = .rejecting(pending, .bodyTooLarge, close: true)
            return
        }
        state = .reading(pending)
    }

    // Lets a request resolve the identity itself should the handshake event not have reached us.
    private var channelContext: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        channelContext = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        channelContext = nil
    }

    private func dispatch(_ pending: Pending, context: ChannelHandlerContext) {
        guard let route = pending.route else { return }
        let request = APIRequest(route: route, argument: pending.argument, path: pending.path, body: pending.body, identity: identity)
        switch api.handle(request) {
        case .now(let response):
            finish(pending, response: response, close: !pending.head.isKeepAlive, context: context)
        case .later(let work):
            let promise = context.eventLoop.makePromise(of: APIResponse.self)
            promise.completeWithTask { await work() }
            let timeout = self.context.settings.timeout(for: route)
            var deadline: Scheduled<Void>?
            if timeout > .zero {
                let channel = context.channel
                // KES sends nothing when a route's deadline passes: the connection is closed.
                deadline = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)) {
                    channel.close(promise: nil)
                }
            }
            promise.futureResult.assumeIsolated().whenSuccess { response in
                deadline?.cancel()
                guard context.channel.isActive else {
                    if route.isMetered {
                        self.context.metrics.requestFinished(code: 503, duration: ContinuousClock.now - pending.started)
                    }
                    return
                }
                self.finish(pending, response: response, close: !pending.head.isKeepAlive, context: context)
            }
        case .stream(let stream):
            startStream(pending, stream: stream, context: context)
        }
    }

    private func startStream(_ pending: Pending, stream: LogStream, context: ChannelHandlerContext) {
        state = .streaming
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-ndjson")
        let head = HTTPResponseHead(version: pending.head.version, status: .ok, headers: headers)
        // Headers go out at once: clients block until they arrive (TARGET rule 11).
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        if pending.route?.isMetered == true {
            self.context.metrics.requestFinished(code: 200, duration: ContinuousClock.now - pending.started)
        }
        stream.subscribe(context.channel)
    }

    private func finish(_ pending: Pending, response: APIResponse, close: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        if let contentType = response.contentType { headers.add(name: "Content-Type", value: contentType) }
        headers.add(name: "Content-Length", value: String(response.body.count))
        for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
        if close { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: pending.head.version, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
        state = .idle
        let elapsed = ContinuousClock.now - pending.started
        let code = Int(response.status.code)
        if let route = pending.route, route.isMetered {
            self.context.metrics.requestFinished(code: code, duration: elapsed)
        }
        self.context.audit.record(
            time: pending.arrival, ip: remoteIP, path: String(pending.path), identity: identity?.rawValue,
            code: code, duration: elapsed
        )
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// The URL path without its query, percent-decoded; nil when the encoding is broken.
    static func decodedPath(_ uri: String) -> Substring? {
        var path = Substring(uri)
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<query] }
        guard path.utf8.contains(UInt8(ascii: "%")) else { return path }
        guard let decoded = String(path).removingPercentEncoding else { return nil }
        return Substring(decoded)
    }
}

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
///
/// Sits right behind NIO's request decoder and writes rendered response bytes itself
/// (`ResponseEncoding`), so it also does what NIO's server pipeline handlers would: it answers
/// pipelined requests in order (holding reads while one is in flight), answers malformed HTTP,
/// and closes connections that stay idle.
final class ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How long a connection may stay quiet between requests (KES: 90 s).
    private let idleTimeout: TimeAmount
    /// How much of a rejected request's body is read and dropped before the connection is cut.
    static let maxDiscardedBody = 1 << 20

    private enum State {
        case idle
        case reading(Pending)
        /// The request is answered with an error once its body has been read (or skipped).
        case rejecting(Pending, RequestError, close: Bool)
        case processing
        case streaming
    }

    /// A class, so that moving a request between states is one reference, not a copy of every field.
    private final class Pending {
        let head: HTTPRequestHead
        let route: Route?
        let argument: Substring
        let path: Substring
        var body: [UInt8] = []
        /// Body bytes read and dropped while the request is being rejected.
        var discarded = 0
        let arrival: Timestamp
        let started: ContinuousClock.Instant

        init(head: HTTPRequestHead, route: Route?, argument: Substring, path: Substring, arrival: Timestamp, started: ContinuousClock.Instant) {
            self.head = head
            self.route = route
            self.argument = argument
            self.path = path
            self.arrival = arrival
            self.started = started
        }
    }

    private let context: ServerContext
    private let api: API
    private var state = State.idle
    private var identity: Identity?
    private var identityResolved = false
    private var remoteIP: String?
    /// Request parts that arrived while a response was in flight (HTTP pipelining).
    private var backlog = CircularBuffer<HTTPServerRequestPart>()
    private var readPending = false
    private var draining = false
    /// Malformed input that arrived behind a request still being answered; answered in its turn.
    private var pendingParserError: HTTPParserError?
    private var lastActivity = NIODeadline.now()
    private var idleCheck: Scheduled<Void>?

    /// A request is being answered or a log is streaming: later requests wait.
    private var isBusy: Bool {
        switch state {
        case .processing, .streaming: true
        case .idle, .reading, .rejecting: false
        }
    }

    init(context: ServerContext, idleTimeout: TimeAmount) {
        self.context = context
        self.api = API(context: context)
        self.idleTimeout = idleTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        remoteIP = context.channel.remoteAddress?.ipAddress
        lastActivity = .now()
        scheduleIdleCheck(in: idleTimeout, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        switch state {
        case .reading(let pending), .rejecting(let pending, _, _):
            recordAbandoned(pending)
            state = .processing
        case .idle, .processing, .streaming:
            break
        }
        context.fireChannelInactive()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        lastActivity = .now()
        context.fireChannelReadComplete()
    }

    /// Reads pause while a response is in flight, so pipelined requests queue in the kernel
    /// rather than here. A log stream keeps reading, so that a client hanging up is noticed.
    func read(context: ChannelHandlerContext) {
        if case .processing = state {
            readPending = true
            return
        }
        context.read()
    }

    private func scheduleIdleCheck(in delay: TimeAmount, context: ChannelHandlerContext) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            self.checkIdle(context: context)
        }
    }

    /// Closes a connection with no traffic for `idleTimeout` between requests, or in the middle
    /// of receiving one. Requests being answered have their own deadlines; log streams have none.
    ///
    /// An answer still being produced or written after twice the timeout is given up too: a route
    /// configured without a deadline, or a client that stopped reading, must not hold the
    /// connection for ever.
    private func checkIdle(context: ChannelHandlerContext) {
        let quiet = NIODeadline.now() - lastActivity
        switch state {
        case .idle, .reading, .rejecting:
            if quiet >= idleTimeout {
                context.close(promise: nil)
                return
            }
            scheduleIdleCheck(in: idleTimeout - quiet, context: context)
        case .processing:
            if quiet >= idleTimeout * 2 {
                context.close(promise: nil)
                return
            }
            scheduleIdleCheck(in: idleTimeout * 2 - quiet, context: context)
        case .streaming:
            scheduleIdleCheck(in: idleTimeout, context: context)
        }
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
        let part = unwrapInboundIn(data)
        switch state {
        case .processing:
            backlog.append(part)
        case .streaming:
            break  // a log stream ends only when the client hangs up
        case .idle, .reading, .rejecting:
            handle(part, context: context)
        }
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            startRequest(head)
        case .body(let chunk):
            switch state {
            case .reading(let pending):
                let limit = pending.route?.maxBody ?? 0
                if pending.body.count + chunk.readableBytes > limit {
                    state = .rejecting(pending, .bodyTooLarge, close: true)
                    return
                }
                pending.body.append(contentsOf: chunk.readableBytesView)
            case .rejecting(let pending, let error, _):
                // The rest of a rejected body is read so that the client sees the answer, but only
                // up to a limit: an endless upload is answered and cut off.
                pending.discarded += chunk.readableBytes
                if pending.discarded > Self.maxDiscardedBody {
                    state = .processing
                    finish(pending, response: .error(error), close: true, context: context)
                }
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

    /// Answers the requests that queued behind the one just finished, then reads on.
    private func drainBacklog(context: ChannelHandlerContext) {
        guard !draining else { return }  // the loop below is already running further up the stack
        draining = true
        defer { draining = false }
        while !isBusy, let part = backlog.popFirst() {
            handle(part, context: context)
        }
        if !isBusy, let error = pendingParserError {
            pendingParserError = nil
            answerParserError(error, context: context)
            return
        }
        if !isBusy { resumeReading(context: context) }
    }

    private func resumeReading(context: ChannelHandlerContext) {
        if readPending {
            readPending = false
            context.read()
        }
    }

    /// A request whose connection went away before it was answered leaves the active-requests
    /// gauge as a 503, whether it was cut off while being received or while being answered.
    private func recordAbandoned(_ pending: Pending) {
        if pending.route?.isMetered == true {
            context.metrics.requestFinished(code: 503, duration: ContinuousClock.now - pending.started)
        }
    }

    private func writeAndClose(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func startRequest(_ head: HTTPRequestHead) {
        if !identityResolved, let channelContext { resolveIdentity(context: channelContext) }
        let arrival = Timestamp.now()
        let started = ContinuousClock.now
        guard let path = Self.decodedPath(head.uri) else {
            let pending = Pending(head: head, route: nil, argument: "", path: Substring(head.uri), arrival: arrival, started: started)
            state = .rejecting(pending, .badRequest("invalid URL path"), close: false)
            return
        }
        guard let (route, argument) = Route.match(path) else {
            let pending = Pending(head: head, route: nil, argument: "", path: path, arrival: arrival, started: started)
            state = .rejecting(pending, .notImplemented, close: false)
            return
        }
        let pending = Pending(head: head, route: route, argument: argument, path: path, arrival: arrival, started: started)
        if route.isMetered { context.metrics.requestStarted() }
        guard route.accepts(head.method) else {
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
        idleCheck?.cancel()
        idleCheck = nil
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
                    self.recordAbandoned(pending)
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
        backlog.removeAll()
        // Headers go out at once: clients block until they arrive (TARGET rule 11).
        let chunked = pending.head.version != .http1_0
        let head = ResponseEncoding.streamHead(contentType: "application/x-ndjson", chunked: chunked, allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(head), promise: nil)
        resumeReading(context: context)
        if pending.route?.isMetered == true {
            self.context.metrics.requestFinished(code: 200, duration: ContinuousClock.now - pending.started)
        }
        stream.subscribe(context.channel, chunked: chunked)
    }

    private func finish(_ pending: Pending, response: APIResponse, close: Bool, context: ChannelHandlerContext) {
        let bytes = ResponseEncoding.render(response, close: close, allocator: context.channel.allocator)
        if close {
            writeAndClose(bytes, context: context)
            backlog.removeAll()
        } else {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        }
        state = close ? .processing : .idle  // nothing more is read from a connection that closes
        lastActivity = .now()
        let elapsed = ContinuousClock.now - pending.started
        let code = Int(response.status.code)
        if let route = pending.route, route.isMetered {
            self.context.metrics.requestFinished(code: code, duration: elapsed)
        }
        self.context.audit.record(
            time: pending.arrival, ip: remoteIP, path: String(pending.path), identity: identity?.rawValue,
            code: code, duration: elapsed
        )
        if !close { drainBacklog(context: context) }
    }

    /// The decoder reports malformed HTTP here; it drops everything after it, so the answer
    /// closes the connection. When it comes behind a request still being answered, that answer
    /// and the requests queued before the bad bytes go out first. Any other error closes at once.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        switch state {
        case .processing:
            if pendingParserError == nil { pendingParserError = parserError }
        case .streaming:
            context.close(promise: nil)
        case .idle, .reading, .rejecting:
            answerParserError(parserError, context: context)
        }
    }

    private func answerParserError(_ error: HTTPParserError, context: ChannelHandlerContext) {
        let response: APIResponse
        switch error {
        case .headerOverflow:
            response = .error(RequestError(status: .requestHeaderFieldsTooLarge, message: "request header fields too large"))
        default:
            response = .error(.badRequest("malformed HTTP request"))
        }
        backlog.removeAll()
        switch state {
        case .reading(let pending), .rejecting(let pending, _, _):
            state = .processing
            finish(pending, response: response, close: true, context: context)
        case .idle, .processing, .streaming:
            state = .processing
            writeAndClose(ResponseEncoding.render(response, close: true, allocator: context.channel.allocator), context: context)
        }
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

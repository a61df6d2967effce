import KESCore
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOTLS
import X509

/// Asks every connection to finish what it is answering and close: the server is shutting down.
struct DrainConnection: Sendable {}

/// One per connection: carries out what `ConnectionStateMachine` decides. It reads request
/// parts, runs routes, writes rendered responses, keeps the idle timer and the route deadlines.
///
/// The peer's identity is computed once per connection, from the certificate the TLS
/// handshake verified; it cannot change within a connection, and TLS 1.3 session resumption
/// skips the verify callback, so the handshake result is the only source. Each request then
/// speaks for the peer, or, from a TLS proxy, for the client it forwards (`TLSProxy`).
///
/// It sits right behind NIO's request decoder and writes rendered response bytes itself
/// (`ResponseEncoding`): one buffer per answer, no response-encoder handler in between.
final class ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let context: ServerContext
    private let api: API
    /// How long a connection may stay quiet between requests (KES: 90 s).
    private let idleTimeout: TimeAmount
    /// How long the TLS handshake may take, and a request's head and body once they started.
    private let headerTimeout: TimeAmount
    /// This connection's entry in the server's registry; busy while a request is in progress,
    /// so that the connection cap never sheds it.
    private let slot: ConnectionRegistry.Slot?
    private var machine = ConnectionStateMachine()
    /// The connected client: its certificate's identity and its address.
    private var peer = Caller()
    private var identityResolved = false
    /// A read the channel asked for while the machine held reads.
    private var readPending = false
    /// Guards `takeQueued` against re-entry from an answer written inside it.
    private var takingQueued = false
    /// Read from the event loop's clock, so that tests on an embedded loop control time.
    private var lastActivity = NIODeadline.uptimeNanoseconds(0)
    private var idleCheck: Scheduled<Void>?
    /// Request bytes arrived that the decoder has not yet made a head of.
    private var partialHead = false
    /// Ends a handshake, or a request's head and body, that takes longer than `headerTimeout`.
    private var handshakeDeadline: Scheduled<Void>?
    private var requestDeadline: Scheduled<Void>?
    /// The route deadline and the work behind the request being answered; both end with it.
    private var deadline: Scheduled<Void>?
    private var work: Task<Void, Never>?

    init(context: ServerContext, idleTimeout: TimeAmount, headerTimeout: TimeAmount, slot: ConnectionRegistry.Slot? = nil) {
        self.context = context
        self.api = API(context: context)
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.slot = slot
    }

    // MARK: - Channel events

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimers()
    }

    func channelActive(context: ChannelHandlerContext) {
        peer.ip = context.channel.remoteAddress?.ipAddress
        lastActivity = context.eventLoop.now
        scheduleIdleCheck(in: idleTimeout, context: context)
        handshakeDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: headerTimeout) {
            self.handshakeDeadline = nil
            if !self.identityResolved { context.channel.closeAbruptly() }
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimers()
        work?.cancel()
        work = nil
        if let abandoned = machine.closed() {
            recordAbandoned(abandoned)
        }
        context.fireChannelInactive()
    }

    /// Request bytes came in (the watcher in front of the decoder calls this). Only request
    /// bytes count as activity: TLS records that carry none do not keep a connection open.
    func plaintextArrived(at now: NIODeadline) {
        lastActivity = now
        if machine.isIdle { partialHead = true }
    }

    /// After a read, a request that is still incomplete must be complete within the header
    /// timeout, however slowly its bytes trickle in.
    func channelReadComplete(context: ChannelHandlerContext) {
        if readingRequest {
            if requestDeadline == nil {
                requestDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: headerTimeout) {
                    self.requestDeadline = nil
                    if self.readingRequest { self.requestTimedOut(context: context) }
                }
            }
        } else if let deadline = requestDeadline {
            deadline.cancel()
            requestDeadline = nil
        }
        context.fireChannelReadComplete()
    }

    private var readingRequest: Bool {
        machine.isReceiving || (machine.isIdle && partialHead)
    }

    /// A client too slow with its head or body is cut off without an answer, as Go's server
    /// does when its read deadline passes.
    private func requestTimedOut(context: ChannelHandlerContext) {
        if let abandoned = machine.closed() { recordAbandoned(abandoned) }
        context.channel.closeAbruptly()
    }

    func read(context: ChannelHandlerContext) {
        if machine.holdsReads {
            readPending = true
            return
        }
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case TLSUserEvent.handshakeCompleted:
            handshakeDeadline?.cancel()
            handshakeDeadline = nil
            resolveIdentity(context: context)
        case is DrainConnection:
            perform(machine.drain(), context: context)
            return
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: ConnectionStateMachine.Part
        switch unwrapInboundIn(data) {
        case .head(let head):
            if !identityResolved { resolveIdentity(context: context) }
            partialHead = false
            let snapshot = self.context.snapshot
            let request = RequestInProgress.intake(head, peer: peer, proxy: snapshot.settings.proxy)
            request.forwardedChains = snapshot.forwardedChains
            part = .head(request)
        case .body(let chunk):
            part = .body(chunk)
        case .end:
            part = .end
        }
        perform(machine.read(part), context: context)
    }

    /// Malformed HTTP gets an answer; a failed TLS handshake reaches the error log (it names the
    /// peer and BoringSSL's reason, never key material); anything else closes the connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError {
            perform(machine.parserError(parserError), context: context)
            return
        }
        if let tlsError = error as? NIOSSLError, !identityResolved, Self.isWorthLogging(tlsError) {
            self.context.errorLog.log("http: TLS handshake error from \(peer.ip ?? "unknown"): \(Self.reason(tlsError))")
        }
        context.close(promise: nil)
    }

    /// BoringSSL's reason codes (`HTTP_REQUEST`, `NO_SHARED_CIPHER`) in words, without the
    /// library's source paths and error numbers, which tell an operator nothing.
    static func reason(_ error: NIOSSLError) -> String {
        guard case .handshakeFailed(.sslError(let errors)) = error, !errors.isEmpty else { return "\(error)" }
        let reasons = errors.map { error -> String in
            let text = "\(error)"
            guard let start = text.range(of: "OPENSSL_internal:")?.upperBound else { return text }
            let code = text[start...].prefix { $0 != " " && $0 != "]" }
            return code == "HTTP_REQUEST"
                ? "client sent an HTTP request to an HTTPS server" : String(code.lowercased().map { $0 == "_" ? " " : $0 })
        }
        return reasons.joined(separator: "; ")
    }

    /// A peer that connects and leaves before the handshake (a TCP health probe, a port check)
    /// is routine: logging each one would bury the errors that matter.
    private static func isWorthLogging(_ error: NIOSSLError) -> Bool {
        error != .handshakeFailed(.sslError([.eofDuringHandshake])) && error != .uncleanShutdown
    }

    // MARK: - Actions

    private func perform(_ action: ConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .begin(let request, let sendContinue):
            slot?.setBusy(true)
            if request.isMetered { self.context.metrics.requestStarted() }
            if sendContinue {
                context.writeAndFlush(wrapOutboundOut(ResponseEncoding.continue(allocator: context.channel.allocator)), promise: nil)
            }
        case .refuse(let request, let response):
            slot?.setBusy(true)
            if request.isMetered { self.context.metrics.requestStarted() }
            write(response, for: request, close: true, context: context)
        case .dispatch(let request):
            dispatch(request, context: context)
        case .answer(let request, let response, let close):
            write(response, for: request, close: close, context: context)
        case .close:
            context.close(promise: nil)
        }
    }

    private func dispatch(_ request: RequestInProgress, context: ChannelHandlerContext) {
        guard let route = request.route else { return }
        if let forwarded = request.caller.forwardedCertificate, let verifier = request.forwardedChains {
            verifyForwarded(forwarded, with: verifier, then: request, route: route, context: context)
            return
        }
        run(request, route: route, context: context)
    }

    /// With `tls.auth: on`, a forwarded certificate must chain to the trusted CAs, as a direct
    /// client's must at the handshake; KES answers 403 otherwise.
    private func verifyForwarded(
        _ certificate: Certificate, with verifier: ForwardedChainVerifier, then request: RequestInProgress, route: Route,
        context: ChannelHandlerContext
    ) {
        let promise = context.eventLoop.makePromise(of: Bool.self)
        work = Task { promise.succeed(await verifier.accepts(certificate)) }
        promise.futureResult.assumeIsolated().whenSuccess { trusted in
            self.work = nil
            guard context.channel.isActive else { return }
            if trusted {
                self.run(request, route: route, context: context)
            } else {
                self.perform(self.machine.answerReady(.error(.untrustedForwardedCertificate)), context: context)
            }
        }
    }

    private func run(_ request: RequestInProgress, route: Route, context: ChannelHandlerContext) {
        let apiRequest = APIRequest(
            route: route, argument: request.argument, path: request.path, body: request.body, identity: request.caller.identity)
        switch api.handle(apiRequest) {
        case .now(let response):
            perform(machine.answerReady(response), context: context)
        case .later(let produce):
            startWork(produce, for: request, timeout: self.context.settings.routes.timeout(for: route), context: context)
        case .stream(let stream):
            startStream(request, stream: stream, context: context)
        }
    }

    /// Runs a route's asynchronous work under its deadline. When the deadline passes, KES sends
    /// nothing and closes the connection; the work is cancelled so that it stops too.
    private func startWork(
        _ produce: @escaping @Sendable () async -> APIResponse, for request: RequestInProgress, timeout: Duration,
        context: ChannelHandlerContext
    ) {
        let loop = context.eventLoop
        let promise = loop.makePromise(of: APIResponse.self)
        work = Task { promise.succeed(await produce()) }
        if timeout > .zero {
            deadline = loop.assumeIsolated().scheduleTask(in: .nanoseconds(timeout.wholeNanoseconds)) {
                self.deadline = nil
                self.work?.cancel()
                self.work = nil
                self.recordAbandoned(request)
                self.perform(self.machine.deadlinePassed(), context: context)
            }
        }
        promise.futureResult.assumeIsolated().whenSuccess { response in
            self.deadline?.cancel()
            self.deadline = nil
            self.work = nil
            self.perform(self.machine.answerReady(response), context: context)
        }
    }

    private func startStream(_ request: RequestInProgress, stream: LogStream, context: ChannelHandlerContext) {
        machine.startedStream()
        stopRequestDeadline()
        // Headers go out at once: clients block until they arrive.
        let chunked = request.head.version != .http1_0
        let head = ResponseEncoding.streamHead(contentType: "application/x-ndjson", chunked: chunked, allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(head), promise: nil)
        resumeReading(context: context)
        if request.isMetered {
            self.context.metrics.requestFinished(code: 200, duration: ContinuousClock.now - request.started)
        }
        stream.subscribe(context.channel, chunked: chunked)
    }

    private func write(_ response: APIResponse, for request: RequestInProgress?, close: Bool, context: ChannelHandlerContext) {
        let bytes = ResponseEncoding.render(
            response, close: close, withBody: request?.head.method != .HEAD, allocator: context.channel.allocator)
        if close {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        }
        lastActivity = context.eventLoop.now
        if let request { record(request, code: Int(response.status.code)) }
        if !close {
            slot?.setBusy(false)
            takeQueued(context: context)
        }
    }

    /// Answers what queued behind the request just answered, then reads on.
    private func takeQueued(context: ChannelHandlerContext) {
        guard !takingQueued else { return }
        takingQueued = true
        defer { takingQueued = false }
        while true {
            let action = machine.nextQueued()
            if case .none = action { break }
            perform(action, context: context)
        }
        if !machine.holdsReads { resumeReading(context: context) }
    }

    private func resumeReading(context: ChannelHandlerContext) {
        if readPending {
            readPending = false
            context.read()
        }
    }

    // MARK: - Accounting

    private func record(_ request: RequestInProgress, code: Int) {
        let elapsed = ContinuousClock.now - request.started
        if request.isMetered {
            context.metrics.requestFinished(code: code, duration: elapsed)
        }
        context.audit.record(
            time: request.arrival, ip: request.caller.ip, path: String(request.path), identity: request.caller.identity?.rawValue,
            code: code, duration: elapsed
        )
    }

    /// A request whose connection went away, or whose deadline passed, before it was answered
    /// leaves the active-requests gauge as a 503.
    private func recordAbandoned(_ request: RequestInProgress) {
        if request.isMetered {
            context.metrics.requestFinished(code: 503, duration: ContinuousClock.now - request.started)
        }
    }

    // MARK: - Timers

    private func scheduleIdleCheck(in delay: TimeAmount, context: ChannelHandlerContext) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            switch self.machine.idleTimerFired(quiet: context.eventLoop.now - self.lastActivity, timeout: self.idleTimeout) {
            case .close:
                context.close(promise: nil)
            case .checkAgain(let delay):
                self.scheduleIdleCheck(in: delay, context: context)
            }
        }
    }

    private func stopTimers() {
        idleCheck?.cancel()
        idleCheck = nil
        deadline?.cancel()
        deadline = nil
        handshakeDeadline?.cancel()
        handshakeDeadline = nil
        stopRequestDeadline()
    }

    private func stopRequestDeadline() {
        requestDeadline?.cancel()
        requestDeadline = nil
    }

    // MARK: - Identity

    private func resolveIdentity(context: ChannelHandlerContext) {
        guard !identityResolved else { return }
        identityResolved = true
        guard let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self),
              let certificate = tls.peerCertificate,
              let der = try? certificate.toDERBytes()
        else { return }
        peer.identity = try? Identity(certificateDER: der)
    }
}

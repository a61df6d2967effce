import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One keep-alive connection slot: connects, sends the plan's request in a closed or open loop and
/// records latencies. Lives entirely on one event loop, so it needs no locks; a broken channel is
/// replaced by a new one and the run goes on.
final class LoadConnection {
    private enum State {
        /// Connected or connecting, sending one request to prove the server answers 2xx.
        case priming
        /// Primed, waiting for the common start signal.
        case ready
        case running(RunClock)
        case finished
    }

    let eventLoop: any EventLoop
    private let plan: LoadPlan
    private let index: Int
    private var state = State.priming
    private var stats = ConnectionStats()
    private var context: ChannelHandlerContext?
    /// Set once the current channel has been counted as broken, so a close after an error is not counted twice.
    private var channelFailed = false
    private var inFlight = false
    /// When the outstanding request was sent (closed loop) or was due (open loop).
    private var requestStart: UInt64 = 0
    private var nextDue: UInt64 = 0
    private var primingBody = ""
    /// The end of the grace period, or with `--requests` the next look for a stalled request.
    private var giveUpTask: Scheduled<Void>?
    /// The plan's request head, with the path of the current key under `--keys`. Owned by this
    /// connection alone, so patching its path does not copy the rest of it.
    private var head: HTTPRequestHead
    /// The number of the request sent last, when requests are numbered.
    private var ticket = -1
    private var primingSettled = false

    private let primed: EventLoopPromise<Void>
    private let done: EventLoopPromise<ConnectionStats>
    var primedFuture: EventLoopFuture<Void> { primed.futureResult }
    var doneFuture: EventLoopFuture<ConnectionStats> { done.futureResult }

    init(index: Int, plan: LoadPlan, eventLoop: any EventLoop) {
        self.index = index
        self.plan = plan
        self.eventLoop = eventLoop
        head = plan.request.head
        primed = eventLoop.makePromise()
        done = eventLoop.makePromise()
    }

    // MARK: Control, called on `eventLoop` by the run

    func connect() {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let plan = plan
        channelFailed = false
        ClientBootstrap(group: eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try plan.addClientHandlers(to: channel)
                    try channel.pipeline.syncOperations.addHandler(LoadResponseHandler(connection: bound.value))
                }
            }
            .connect(to: plan.socketAddress)
            .whenFailure { error in bound.value.connectFailed(error) }
    }

    func start(_ clock: RunClock) {
        guard case .ready = state else { return }
        state = .running(clock)
        if plan.requestLimit != nil {
            watchForStall(ticket: ticket, since: RunClock.now())
        } else {
            giveUpTask = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(clock.giveUp)) { [self] in
                if inFlight { stats.timeouts += 1 }
                if let rate = plan.rate, nextDue < clock.measureEnd {
                    // Requests that fell due in the window but never went out count as lost, not as absent.
                    let interval = Double(plan.connections) / rate * 1e9
                    stats.timeouts += UInt64((Double(clock.measureEnd - nextDue) / interval).rounded(.up))
                }
                finish()
            }
        }
        if let rate = plan.rate {
            // Connection i sends at start + (i + k·C) / rate: together an even stream of `rate` per second.
            nextDue = clock.start + UInt64(Double(index) / rate * 1e9)
            resume(clock)
        } else {
            // The closed loop waits for the common start too: without a warm-up (always so with
            // --requests) a request sent before it would fall outside the window and go uncounted.
            eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(clock.start)) { [self] in
                guard case .running = state else { return }
                resume(clock)
            }
        }
    }

    /// With `--requests` only the last answer ends the run, so one the server never gives would hang
    /// it: a connection whose request has been outstanding for the grace period counts it as lost and
    /// drops out. A look once a second, rather than a timer per request, keeps the loop free of it.
    private func watchForStall(ticket ticketSeen: Int, since: UInt64) {
        giveUpTask = eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in
            guard case .running = state else { return }
            let now = RunClock.now()
            guard inFlight && ticket == ticketSeen else { return watchForStall(ticket: ticket, since: now) }
            if now - since >= plan.graceNanoseconds {
                stats.timeouts += 1
                return finish()
            }
            watchForStall(ticket: ticketSeen, since: since)
        }
    }

    /// Closes the channel and reports. Safe to call more than once.
    func finish() {
        if case .finished = state { return }
        state = .finished
        giveUpTask?.cancel()
        context?.close(promise: nil)
        settlePriming(.failure(PrimingFailure(description: "the run ended")))
        done.succeed(stats)
    }

    // MARK: Events from the channel

    func channelActive(_ context: ChannelHandlerContext) {
        self.context = context
        switch state {
        case .priming: write(startingAt: RunClock.now())
        case .running(let clock): resume(clock)
        case .ready, .finished: break
        }
    }

    func received(body: ByteBuffer) {
        if case .priming = state, primingBody.utf8.count < 300 {
            primingBody += String(buffer: body)
        }
    }

    /// `keepAlive` false: the server said `Connection: close`, so the next request needs a new connection.
    func responseEnded(status: UInt, keepAlive: Bool) {
        let now = RunClock.now()
        inFlight = false
        if !keepAlive {
            // channelInactive reconnects; nothing is outstanding, so it is not an error.
            context?.close(promise: nil)
            context = nil
        }
        let succeeded = (200..<300).contains(status)
        switch state {
        case .priming:
            if succeeded {
                state = .ready
                settlePriming(.success(()))
            } else {
                let text = primingBody.trimmingCharacters(in: .whitespacesAndNewlines)
                settlePriming(.failure(PrimingFailure(description: "the server answered \(status) \(text.prefix(200))")))
            }
        case .running(let clock):
            // Throughput counts answers inside the window; latency and errors count requests started (or due)
            // inside it, however late their answer, so an overloaded server's slowest answers are not dropped.
            if now >= clock.measureStart && now < clock.measureEnd {
                stats.answered += 1
                if succeeded { stats.succeeded += 1 }
            }
            if requestStart >= clock.measureStart && requestStart < clock.measureEnd {
                stats.latencies.record(now &- requestStart)
                if !succeeded { stats.failedStatuses[status, default: 0] += 1 }
            }
            stats.lastAnswer = now
            resume(clock, now: now)
        case .ready, .finished:
            break
        }
    }

    func channelError(_ error: any Error) {
        if case .priming = state {
            settlePriming(.failure(PrimingFailure(description: "\(error)")))
            return
        }
        guard case .running = state, !channelFailed else { return }
        channelFailed = true
        stats.connectionErrors += 1
        stats.firstConnectionError = stats.firstConnectionError ?? "\(error)"
    }

    func channelInactive() {
        context = nil
        let wasInFlight = inFlight
        inFlight = false
        switch state {
        case .priming:
            settlePriming(.failure(PrimingFailure(description: "the server closed the connection")))
        case .running(let clock):
            if wasInFlight && !channelFailed {
                stats.connectionErrors += 1
                stats.firstConnectionError = stats.firstConnectionError ?? "the server closed the connection mid-request"
            }
            if RunClock.now() < clock.measureEnd && plan.tickets?.isExhausted != true {
                stats.reconnects += 1
                connect()
            } else {
                finish()
            }
        case .ready:
            // Dropped while waiting for the start (an idle timeout, say): be connected when it comes.
            stats.reconnects += 1
            connect()
        case .finished:
            break
        }
    }

    private func connectFailed(_ error: any Error) {
        switch state {
        case .priming:
            settlePriming(.failure(PrimingFailure(description: "cannot connect to \(plan.address.authority): \(error)")))
        case .ready, .running:
            stats.connectionErrors += 1
            stats.firstConnectionError = stats.firstConnectionError ?? "\(error)"
            if case .running(let clock) = state, RunClock.now() >= clock.measureEnd { return finish() }
            // A --requests run has no end time to stop the retries, so a dead server would hang it.
            if case .running = state, plan.requestLimit != nil { return finish() }
            // Back off a little so a dead server does not turn the benchmark into a connect storm.
            eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(100)) { [self] in
                switch state {
                case .ready, .running: connect()
                case .priming, .finished: break
                }
            }
        case .finished:
            break
        }
    }

    /// The first outcome wins; an error and the close that follows it both report, only once.
    private func settlePriming(_ result: Result<Void, any Error>) {
        guard !primingSettled else { return }
        primingSettled = true
        primed.completeWith(result)
    }

    // MARK: The loop

    /// Sends the next request if one is due, or arranges to. Called after every answer and reconnect.
    private func resume(_ clock: RunClock, now: UInt64 = RunClock.now()) {
        guard context != nil, !inFlight else { return }
        guard let rate = plan.rate else {
            // Closed loop: the next request goes out as soon as the previous answer is in.
            if now < clock.measureEnd { send(startingAt: now) } else { finish() }
            return
        }
        guard nextDue < clock.measureEnd else { return finish() }
        if nextDue <= now {
            sendDue(rate: rate)
        } else {
            eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(nextDue)) { [self] in
                guard case .running = state, context != nil, !inFlight else { return }
                sendDue(rate: rate)
            }
        }
    }

    /// Open loop: latency counts from when the request was due, not from when the connection got
    /// round to sending it, so a stalled server cannot hide its stall (no coordinated omission).
    private func sendDue(rate: Double) {
        let due = nextDue
        nextDue += UInt64(Double(plan.connections) / rate * 1e9)
        send(startingAt: due)
    }

    /// The loop's next request: numbered when `--keys` or `--requests` need it, none once the numbers run out.
    private func send(startingAt start: UInt64) {
        guard context != nil else { return }
        if let tickets = plan.tickets {
            guard let number = tickets.take() else { return finish() }
            ticket = number
            if let keys = plan.keys { head.uri = keys.path(forRequest: number) }
        }
        write(startingAt: start)
    }

    private func write(startingAt start: UInt64) {
        guard let context else { return }
        inFlight = true
        requestStart = start
        context.write(NIOAny(HTTPClientRequestPart.head(head)), promise: nil)
        if let body = plan.request.body {
            context.write(NIOAny(HTTPClientRequestPart.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(NIOAny(HTTPClientRequestPart.end(nil)), promise: nil)
    }
}

/// The tail of each connection's pipeline: hands response events to its ``LoadConnection``.
final class LoadResponseHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let connection: LoadConnection
    private var status: UInt = 0
    private var keepAlive = true

    init(connection: LoadConnection) {
        self.connection = connection
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.channelActive(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status.code
            keepAlive = head.isKeepAlive
        case .body(let body): connection.received(body: body)
        case .end: connection.responseEnded(status: status, keepAlive: keepAlive)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.channelError(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.channelInactive()
        context.fireChannelInactive()
    }
}

import NIOCore
import NIOHTTP1

/// The life of one HTTP/1.1 connection, as a value: every input is a `mutating` transition that
/// returns what the channel handler must do. It does no I/O, so every path through it can be
/// tested without a socket.
///
/// Requests are answered one at a time and in order. Parts that arrive while one is being
/// answered (HTTP pipelining) wait in a backlog and are taken up when the answer is out.
struct ConnectionStateMachine {
    enum State {
        /// Between requests: waiting for the next request head.
        case idle
        /// A head arrived for a request that can be served; its body is being collected.
        case receiving(RequestInProgress)
        /// The request is answered with an error once its body has been read, or skipped up to
        /// `maxDiscardedBody` bytes.
        case rejecting(RequestInProgress, RequestError, close: Bool)
        /// The whole request is in and its route is working on it; later parts wait.
        case answering(RequestInProgress)
        /// The connection is a log stream: nothing more is read as requests.
        case streaming
        /// An answer that ends the connection is out, or the connection is closing: nothing
        /// more is read.
        case closing
    }

    /// What the handler does after a transition.
    enum Action {
        /// Nothing, for now.
        case none
        /// A request was taken up: it counts as active. With `sendContinue`, the client waits
        /// for `100 Continue` before it sends the body.
        case begin(RequestInProgress, sendContinue: Bool)
        /// A request refused on its head alone: it counts as active, is answered at once and
        /// the connection closes, so that a body the client may still send is never read.
        case refuse(RequestInProgress, APIResponse)
        /// The request is complete: run its route.
        case dispatch(RequestInProgress)
        /// Write an answer; close the connection after it when `close`. The request is nil for
        /// malformed bytes that never formed one.
        case answer(RequestInProgress?, APIResponse, close: Bool)
        /// Close at once, without an answer.
        case close
    }

    /// A request part as the handler passes it in; heads are already taken apart.
    enum Part {
        case head(RequestInProgress)
        case body(ByteBuffer)
        case end
    }

    /// How much of a rejected request's body is read and dropped before the connection is cut.
    static let maxDiscardedBody = 1 << 20

    private(set) var state = State.idle
    private var backlog = CircularBuffer<Part>()
    /// Malformed input that arrived behind a request still being answered; answered in its turn.
    private var pendingParserError: HTTPParserError?
    /// The server is shutting down: the answer in progress is the last one.
    private(set) var isDraining = false

    /// A request is being answered, or the connection is closing: reads wait, so that pipelined
    /// requests queue in the kernel rather than here and an upload behind a final answer is not
    /// decoded for nothing. A log stream keeps reading, so that a client hanging up is noticed.
    var holdsReads: Bool {
        switch state {
        case .answering, .closing: true
        case .idle, .receiving, .rejecting, .streaming: false
        }
    }

    /// Whether `idleTimerFired` measures quiet against the idle timeout, or twice it (an answer
    /// still being produced or written after that long is given up); nil for a log stream,
    /// which is never idle-closed.
    var idleAllowance: Int? {
        switch state {
        case .idle, .receiving, .rejecting: 1
        case .answering, .closing: 2
        case .streaming: nil
        }
    }

    /// A request's head or body is arriving: the request-read deadline applies.
    var isReceiving: Bool {
        switch state {
        case .receiving, .rejecting: true
        case .idle, .answering, .streaming, .closing: false
        }
    }

    /// Waiting for the next request head.
    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    /// Between or inside requests, as opposed to answering one, streaming or closing.
    private var acceptsParts: Bool {
        switch state {
        case .idle, .receiving, .rejecting: true
        case .answering, .streaming, .closing: false
        }
    }

    // MARK: - Inputs

    mutating func read(_ part: Part) -> Action {
        switch state {
        case .answering:
            backlog.append(part)
            return .none
        case .streaming, .closing:
            return .none
        case .idle, .receiving, .rejecting:
            return take(part)
        }
    }

    private mutating func take(_ part: Part) -> Action {
        switch (part, state) {
        case (.head(let request), .idle):
            let expectsContinue = request.expectsContinue
            if let rejection = request.rejection {
                // A client that announced too much, or waits for permission to send its body,
                // gets the verdict now: reading on would take the bytes we already refuse.
                if rejection.close || expectsContinue {
                    state = .closing
                    backlog.removeAll()
                    return .refuse(request, .error(rejection.error))
                }
                state = .rejecting(request, rejection.error, close: rejection.close)
            } else {
                state = .receiving(request)
            }
            return .begin(request, sendContinue: expectsContinue)
        case (.head, _):
            // The decoder never sends a head inside a request; treat it as malformed input.
            return parserError(.invalidInternalState)
        case (.body(let chunk), .receiving(let request)):
            let limit = request.route?.maxBody ?? 0
            if request.body.count + chunk.readableBytes > limit {
                // A body without a length (chunked) shows its size only as it arrives: refuse it
                // the moment it passes the limit, without reading the rest.
                state = .closing
                backlog.removeAll()
                return .answer(request, .error(.bodyTooLarge), close: true)
            }
            request.body.append(contentsOf: chunk.readableBytesView)
            return .none
        case (.body(let chunk), .rejecting(let request, let error, _)):
            // The rest of a rejected body is read so that the client sees the answer, but only
            // up to a limit: an endless upload is answered and cut off.
            request.discarded += chunk.readableBytes
            if request.discarded > Self.maxDiscardedBody {
                state = .closing
                return .answer(request, .error(error), close: true)
            }
            return .none
        case (.end, .receiving(let request)):
            state = .answering(request)
            return .dispatch(request)
        case (.end, .rejecting(let request, let error, let close)):
            state = .answering(request)
            return answered(request, .error(error), close: close)
        case (.body, _), (.end, _):
            return .none
        }
    }

    /// The route's answer for the request being answered.
    mutating func answerReady(_ response: APIResponse) -> Action {
        guard case .answering(let request) = state else { return .none }
        return answered(request, response, close: false)
    }

    /// The handler writes the answer before it does anything else, so from here on the
    /// connection is between requests, or closing.
    private mutating func answered(_ request: RequestInProgress, _ response: APIResponse, close: Bool) -> Action {
        let close = close || isDraining || !request.head.isKeepAlive
        if close {
            state = .closing
            backlog.removeAll()
        } else {
            state = .idle
        }
        return .answer(request, response, close: close)
    }

    /// After an answer that left the connection open: take up what queued behind it. Called
    /// repeatedly by the handler until it returns `.none`; it stops at the next request that
    /// needs answering.
    mutating func nextQueued() -> Action {
        while acceptsParts, let part = backlog.popFirst() {
            let action = take(part)
            if case .none = action { continue }
            return action
        }
        switch state {
        case .idle, .receiving, .rejecting:
            if let error = pendingParserError {
                pendingParserError = nil
                return parserError(error)
            }
        case .answering, .streaming, .closing:
            break
        }
        return .none
    }

    /// The route turned the connection into a log stream.
    mutating func startedStream() {
        state = .streaming
        backlog.removeAll()
    }

    /// The decoder found malformed HTTP. It drops everything after it, so the answer closes the
    /// connection; behind a request still being answered, it waits its turn.
    mutating func parserError(_ error: HTTPParserError) -> Action {
        let response: APIResponse
        switch error {
        case .headerOverflow:
            response = .error(RequestError(status: .requestHeaderFieldsTooLarge, message: "request header fields too large"))
        default:
            response = .error(.badRequest("malformed HTTP request"))
        }
        switch state {
        case .answering:
            if pendingParserError == nil { pendingParserError = error }
            return .none
        case .streaming:
            state = .closing
            return .close
        case .closing:
            return .none
        case .receiving(let request), .rejecting(let request, _, _):
            state = .closing
            backlog.removeAll()
            return .answer(request, response, close: true)
        case .idle:
            state = .closing
            backlog.removeAll()
            return .answer(nil, response, close: true)
        }
    }

    /// The idle timer fired after `quiet` without traffic. The state stays as it is, so that
    /// `closed()` reports a request the close abandons.
    func idleTimerFired(quiet: TimeAmount, timeout: TimeAmount) -> IdleDecision {
        guard let allowance = idleAllowance else { return .checkAgain(in: timeout) }
        let limit = timeout * Int64(allowance)
        return quiet >= limit ? .close : .checkAgain(in: limit - quiet)
    }

    enum IdleDecision: Equatable {
        case close
        case checkAgain(in: TimeAmount)
    }

    /// The route's deadline passed before its answer: KES sends nothing and closes.
    mutating func deadlinePassed() -> Action {
        guard case .answering = state else { return .none }
        state = .closing
        backlog.removeAll()
        return .close
    }

    /// The server is shutting down: an idle connection or a log stream closes now; a request in
    /// progress gets its answer, marked `Connection: close`, and then the connection closes.
    mutating func drain() -> Action {
        isDraining = true
        switch state {
        case .idle, .streaming:
            state = .closing
            return .close
        case .receiving, .rejecting, .answering, .closing:
            return .none
        }
    }

    /// The connection is gone. Returns the request it abandoned, if any, so the handler can
    /// account for it.
    mutating func closed() -> RequestInProgress? {
        defer {
            state = .closing
            backlog.removeAll()
        }
        switch state {
        case .receiving(let request), .rejecting(let request, _, _), .answering(let request):
            return request
        case .idle, .streaming, .closing:
            return nil
        }
    }
}

import NIOCore
import NIOHTTP1
import Testing

@testable import KESServer

/// The connection's decisions, one transition at a time, with no channel at all.
@Suite struct ConnectionStateMachineTests {
    private func head(_ method: HTTPMethod, _ uri: String, _ headers: [(String, String)] = [], keepAlive: Bool = true)
        -> ConnectionStateMachine.Part
    {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders([("Host", "kes")] + headers))
        if !keepAlive { head.headers.add(name: "Connection", value: "close") }
        return .head(RequestInProgress.intake(head))
    }

    private func body(_ text: String) -> ConnectionStateMachine.Part {
        .body(ByteBuffer(string: text))
    }

    @Test func aCompleteRequestIsDispatchedAndItsAnswerKeepsTheConnection() {
        var machine = ConnectionStateMachine()
        guard case .begin = machine.read(head(.PUT, "/v1/key/generate/k")) else { Issue.record("no begin"); return }
        #expect(isNone(machine.read(body("{}"))))
        guard case .dispatch(let request) = machine.read(.end) else { Issue.record("no dispatch"); return }
        #expect(request.body == Array("{}".utf8))
        #expect(machine.holdsReads)
        guard case .answer(_, _, let close) = machine.answerReady(.ok()) else { Issue.record("no answer"); return }
        #expect(close == false)
        #expect(isNone(machine.nextQueued()))
        guard case .idle = machine.state else { Issue.record("not idle: \(machine.state)"); return }
    }

    @Test func pipelinedRequestsWaitForTheAnswerInFront() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.PUT, "/v1/key/create/a"))
        guard case .dispatch = machine.read(.end) else { Issue.record("no dispatch"); return }
        // The second request arrives while the first is answered: it waits.
        #expect(isNone(machine.read(head(.GET, "/version"))))
        #expect(isNone(machine.read(.end)))
        _ = machine.answerReady(.ok())
        guard case .begin(let second, _) = machine.nextQueued() else { Issue.record("second not begun"); return }
        #expect(second.path == "/version")
        guard case .dispatch = machine.nextQueued() else { Issue.record("second not dispatched"); return }
    }

    @Test func aQueuedRequestWaitsForAnAsynchronousAnswerInFrontOfIt() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.PUT, "/v1/key/create/a"))
        _ = machine.read(.end)
        for path in ["/v1/key/describe/a", "/version"] {
            _ = machine.read(head(.GET, path))
            _ = machine.read(.end)
        }
        _ = machine.answerReady(.ok())
        guard case .begin = machine.nextQueued(), case .dispatch(let second) = machine.nextQueued() else {
            Issue.record("second not dispatched")
            return
        }
        #expect(second.path == "/v1/key/describe/a")
        // The second is answered later: the third must not be taken up before that answer.
        #expect(isNone(machine.nextQueued()))
        #expect(machine.holdsReads)
        guard case .answer(let answered?, _, false) = machine.answerReady(.ok()) else { Issue.record("no answer"); return }
        #expect(answered === second)
        guard case .begin(let third, _) = machine.nextQueued() else { Issue.record("third not begun"); return }
        #expect(third.path == "/version")
    }

    @Test func aRejectedRequestIsAnsweredAfterItsBody() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.GET, "/v1/key/generate/k"))
        #expect(isNone(machine.read(body("{}"))))
        guard case .answer(_, let response, let close) = machine.read(.end) else { Issue.record("no answer"); return }
        #expect(response.status == .methodNotAllowed)
        #expect(response.extraHeaders.contains { $0 == ("Accept", "PUT, POST") })
        #expect(close == false)
    }

    @Test func anAnnouncedOversizedBodyIsRefusedOnItsHeadAlone() {
        var machine = ConnectionStateMachine()
        let action = machine.read(head(.PUT, "/v1/key/encrypt/k", [("Content-Length", "\(2 << 20)")]))
        guard case .refuse(_, let response) = action else { Issue.record("not refused at once: \(action)"); return }
        #expect(response.status == .badRequest)
        #expect(response.body == Array(#"{"message":"http: request body too large"}"#.utf8))
        guard case .closing = machine.state else { Issue.record("not closing"); return }
        #expect(isNone(machine.read(body("{}"))))
    }

    @Test func aChunkedBodyIsRefusedTheMomentItPassesTheLimit() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.PUT, "/v1/key/encrypt/k", [("Transfer-Encoding", "chunked")]))
        let chunk = ByteBuffer(repeating: 0x61, count: 600 << 10)
        #expect(isNone(machine.read(.body(chunk))))
        guard case .answer(_, let response, true) = machine.read(.body(chunk)) else { Issue.record("not refused"); return }
        #expect(response.body == Array(#"{"message":"http: request body too large"}"#.utf8))
        guard case .closing = machine.state else { Issue.record("not closing"); return }
    }

    @Test func anHTTP11RequestWithoutHostIsRefused() {
        var machine = ConnectionStateMachine()
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/version")
        guard case .refuse(_, let response) = machine.read(.head(RequestInProgress.intake(head))) else {
            Issue.record("answered without a Host")
            return
        }
        #expect(response.status == .badRequest)
        #expect(response.body == Array(#"{"message":"missing required Host header"}"#.utf8))
        // HTTP/1.0 has no Host requirement.
        var old = ConnectionStateMachine()
        guard case .begin = old.read(.head(RequestInProgress.intake(HTTPRequestHead(version: .http1_0, method: .GET, uri: "/version")))) else {
            Issue.record("HTTP/1.0 refused")
            return
        }
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() {
        var accepted = ConnectionStateMachine()
        guard case .begin(_, sendContinue: true) = accepted.read(head(.PUT, "/v1/key/create/a", [("Expect", "100-continue")])) else {
            Issue.record("no 100 Continue")
            return
        }
        var plain = ConnectionStateMachine()
        guard case .begin(_, sendContinue: false) = plain.read(head(.PUT, "/v1/key/create/a")) else {
            Issue.record("100 Continue without Expect")
            return
        }
        // A request that is refused anyway gets its final answer instead, and no body is read.
        var refused = ConnectionStateMachine()
        guard case .refuse(_, let response) = refused.read(head(.GET, "/v1/key/create/a", [("Expect", "100-continue")])) else {
            Issue.record("not refused at once")
            return
        }
        #expect(response.status == .methodNotAllowed)
    }

    @Test func anEndlessRejectedBodyIsCutOff() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.GET, "/v1/key/list/"))
        let chunk = ByteBuffer(repeating: 0x61, count: 64 << 10)
        var action = ConnectionStateMachine.Action.none
        for _ in 0..<20 {
            action = machine.read(.body(chunk))
            if case .answer = action { break }
        }
        guard case .answer(_, _, let close) = action else { Issue.record("never answered"); return }
        #expect(close)
    }

    @Test func malformedInputBehindAnAnswerWaitsItsTurn() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.PUT, "/v1/key/create/a"))
        _ = machine.read(.end)
        #expect(isNone(machine.parserError(.invalidMethod)))
        guard case .answer(_, _, let first) = machine.answerReady(.ok()) else { Issue.record("no answer"); return }
        #expect(first == false)
        guard case .answer(nil, let response, let close) = machine.nextQueued() else { Issue.record("no error answer"); return }
        #expect(response.status == .badRequest)
        #expect(close)
    }

    @Test func headerOverflowIs431() {
        var machine = ConnectionStateMachine()
        guard case .answer(nil, let response, true) = machine.parserError(.headerOverflow) else { Issue.record("no answer"); return }
        #expect(response.status == .requestHeaderFieldsTooLarge)
    }

    @Test func idleTimeoutClosesAQuietConnectionAndAllowsTwiceItForAnAnswer() {
        var machine = ConnectionStateMachine()
        #expect(machine.idleTimerFired(quiet: .seconds(30), timeout: .seconds(90)) == .checkAgain(in: .seconds(60)))
        _ = machine.read(head(.PUT, "/v1/key/create/a"))
        _ = machine.read(.end)
        #expect(machine.idleTimerFired(quiet: .seconds(100), timeout: .seconds(90)) == .checkAgain(in: .seconds(80)))
        #expect(machine.idleTimerFired(quiet: .seconds(180), timeout: .seconds(90)) == .close)
    }

    @Test func aLogStreamIsNeverIdleClosed() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.GET, "/v1/log/audit"))
        _ = machine.read(.end)
        machine.startedStream()
        #expect(machine.idleTimerFired(quiet: .seconds(1000), timeout: .seconds(90)) == .checkAgain(in: .seconds(90)))
        #expect(isNone(machine.read(head(.GET, "/version"))))
    }

    @Test func aPassedDeadlineClosesWithoutAnAnswerAndALateAnswerIsDropped() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.PUT, "/v1/key/create/a"))
        _ = machine.read(.end)
        guard case .close = machine.deadlinePassed() else { Issue.record("no close"); return }
        #expect(isNone(machine.answerReady(.ok())))
        #expect(machine.closed() == nil)
    }

    @Test func drainClosesIdleConnectionsAndLetsARequestInProgressFinish() {
        var idle = ConnectionStateMachine()
        guard case .close = idle.drain() else { Issue.record("idle connection kept"); return }

        var busy = ConnectionStateMachine()
        _ = busy.read(head(.PUT, "/v1/key/create/a"))
        _ = busy.read(.end)
        _ = busy.read(head(.GET, "/version"))
        #expect(isNone(busy.drain()))
        guard case .answer(_, let response, let close) = busy.answerReady(.ok()) else { Issue.record("no answer"); return }
        #expect(response.status == .ok)
        #expect(close)
        // The pipelined request behind it is not taken up: the connection closes.
        #expect(isNone(busy.nextQueued()))
    }

    @Test func aConnectionThatGoesAwayReportsTheRequestItAbandoned() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.PUT, "/v1/key/import/a", [("Content-Length", "10")]))
        _ = machine.read(body("12345"))
        #expect(machine.closed()?.path == "/v1/key/import/a")
        #expect(machine.closed() == nil)
    }

    @Test func connectionCloseFromTheClientEndsAfterTheAnswer() {
        var machine = ConnectionStateMachine()
        _ = machine.read(head(.GET, "/version", keepAlive: false))
        _ = machine.read(.end)
        guard case .answer(_, _, let close) = machine.answerReady(.ok()) else { Issue.record("no answer"); return }
        #expect(close)
    }

    @Test func unknownPathsAndBrokenEncodingsAreRejected() {
        var unknown = ConnectionStateMachine()
        _ = unknown.read(head(.GET, "/v1/nothing"))
        guard case .answer(_, let notImplemented, false) = unknown.read(.end) else { Issue.record("no answer"); return }
        #expect(notImplemented.status == .notImplemented)

        var broken = ConnectionStateMachine()
        _ = broken.read(head(.GET, "/v1/key/describe/%zz"))
        guard case .answer(_, let badRequest, false) = broken.read(.end) else { Issue.record("no answer"); return }
        #expect(badRequest.body == Array(#"{"message":"invalid URL path"}"#.utf8))
    }

    private func isNone(_ action: ConnectionStateMachine.Action) -> Bool {
        if case .none = action { return true }
        return false
    }
}

import KESCore
import KESKeyStore
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOTLS
import Synchronization
import Testing

@testable import KESServer

/// The connection handler on an embedded channel: bytes in, bytes out, time under the test's
/// control. No TLS here, so callers have no identity; `/version` and routes with `skip_auth`
/// serve them.
@Suite(.timeLimit(.minutes(1))) struct ConnectionHandlerTests {
    // MARK: - Synchronous answers on an EmbeddedChannel

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "GET /version HTTP/1.1\r\nHost: kes\r\n\r\nGET /nothing HTTP/1.1\r\nHost: kes\r\n\r\nGET /version HTTP/1.1\r\nHost: kes\r\n\r\n"))
        let output = try readAll(channel)
        let statuses = output.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.components(separatedBy: "\r\n")[0] }
        #expect(statuses == ["200 OK", "501 Not Implemented", "200 OK"])
        #expect(channel.isActive)
    }

    @Test func malformedInputIsAnsweredAndClosesTheConnection() throws {
        let channel = try makeChannel()
        try? channel.writeInbound(ByteBuffer(string: "NOT HTTP AT ALL\r\n\r\n"))
        let output = try readAll(channel)
        #expect(output.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(output.hasSuffix(#"{"message":"malformed HTTP request"}"#))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    @Test func aQuietConnectionIsClosedAfterTheIdleTimeout() throws {
        let channel = try makeChannel(idleTimeout: .seconds(90))
        channel.embeddedEventLoop.advanceTime(by: .seconds(89))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func trafficPushesTheIdleTimeoutBack() throws {
        let channel = try makeChannel(idleTimeout: .seconds(90))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        try channel.writeInbound(ByteBuffer(string: "GET /version HTTP/1.1\r\nHost: kes\r\n\r\n"))
        _ = try readAll(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(!channel.isActive)
    }

    @Test func aHeadTrickledInSlowerThanTheHeaderTimeoutIsCut() throws {
        let channel = try makeChannel(headerTimeout: .seconds(10))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        // Every byte comes well within the idle timeout, but the head never completes in time.
        for byte in "GET /version HTTP/1.1\r\nHost: kes\r\nX-Slow: ".utf8 {
            guard channel.isActive else { break }
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(400))
        }
        #expect(!channel.isActive)
        #expect(try readAll(channel).isEmpty)
    }

    @Test func aHeadThatCompletesInTimeIsAnsweredAndTheDeadlineEndsWithIt() throws {
        let channel = try makeChannel(headerTimeout: .seconds(10))
        try channel.writeInbound(ByteBuffer(string: "GET /version HTTP/1.1\r\nHost: kes\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        try channel.writeInbound(ByteBuffer(string: "\r\n"))
        #expect(try readAll(channel).hasPrefix("HTTP/1.1 200 OK\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
    }

    @Test func aBodyTrickledInSlowerThanTheHeaderTimeoutIsCut() throws {
        let channel = try makeChannel(headerTimeout: .seconds(10))
        try channel.writeInbound(ByteBuffer(string: "POST /v1/key/create/a HTTP/1.1\r\nHost: kes\r\nContent-Length: 100\r\n\r\n"))
        for _ in 0..<30 where channel.isActive {
            try channel.writeInbound(ByteBuffer(string: "x"))
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        }
        #expect(!channel.isActive)
    }

    @Test func aConnectionThatNeverFinishesItsHandshakeIsClosedAfterTheHeaderTimeout() throws {
        let channel = try makeChannel(headerTimeout: .seconds(10), handshaken: false)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(9_999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test func anAnswerToHeadHasNoBody() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "HEAD /version HTTP/1.1\r\nHost: kes\r\n\r\nGET /version HTTP/1.1\r\nHost: kes\r\n\r\n"))
        let output = try readAll(channel)
        let head = try #require(output.components(separatedBy: "\r\n\r\n").first)
        #expect(head.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
        // The next bytes after the HEAD answer's head are the GET's answer, not a body.
        let rest = String(decoding: output.utf8.dropFirst(head.utf8.count + 4), as: UTF8.self)
        #expect(rest.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(channel.isActive)
    }

    @Test func drainClosesAnIdleConnection() throws {
        let channel = try makeChannel()
        channel.pipeline.fireUserInboundEventTriggered(DrainConnection())
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
    }

    // MARK: - Asynchronous answers on an NIOAsyncTestingChannel

    @Test func aSlowAnswerHoldsThePipelinedRequestsBehindIt() async throws {
        let store = GatedKeyStore()
        let channel = try await makeAsyncChannel(store: store)
        try await channel.writeInbound(ByteBuffer(string: "GET /v1/ready HTTP/1.1\r\nHost: kes\r\n\r\nGET /version HTTP/1.1\r\nHost: kes\r\n\r\n"))
        await store.waitForProbe()
        // Nothing may be written while the first answer is outstanding.
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
        store.release()
        let first = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        let second = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
        #expect(String(buffer: first).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(String(buffer: second).contains(#""version":"#))
    }

    @Test func aDeadlineIsExactAndCancelsTheWorkBehindIt() async throws {
        let store = GatedKeyStore()
        let channel = try await makeAsyncChannel(store: store, readyTimeout: .milliseconds(500))
        try await channel.writeInbound(ByteBuffer(string: "GET /v1/ready HTTP/1.1\r\nHost: kes\r\n\r\n"))
        await store.waitForProbe()
        await channel.testingEventLoop.advanceTime(by: .milliseconds(499))
        #expect(try await channel.isActive)
        await channel.testingEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try await !channel.isActive)
        // KES sends nothing when a deadline passes, and the key store call is cancelled.
        #expect(try await channel.readOutbound(as: ByteBuffer.self) == nil)
        await store.waitForCancellation()
    }

    @Test func closingWhileAnAnswerIsPendingCancelsTheWork() async throws {
        let store = GatedKeyStore()
        let channel = try await makeAsyncChannel(store: store)
        try await channel.writeInbound(ByteBuffer(string: "GET /v1/ready HTTP/1.1\r\nHost: kes\r\n\r\n"))
        await store.waitForProbe()
        try await channel.close()
        await store.waitForCancellation()
    }

    @Test func drainLetsTheRequestInProgressFinishWithConnectionClose() async throws {
        let store = GatedKeyStore()
        let channel = try await makeAsyncChannel(store: store)
        try await channel.writeInbound(ByteBuffer(string: "GET /v1/ready HTTP/1.1\r\nHost: kes\r\n\r\n"))
        await store.waitForProbe()
        channel.pipeline.fireUserInboundEventTriggered(DrainConnection())
        #expect(try await channel.isActive)
        store.release()
        let answer = String(buffer: try await channel.waitForOutboundWrite(as: ByteBuffer.self))
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.contains("Connection: close\r\n"))
        try await channel.closeFuture.get()
    }

    // MARK: - Helpers

    private static func context(store: any KeyStore, readyTimeout: Duration? = nil) throws -> ServerContext {
        let routes = try RouteSettings(
            timeouts: readyTimeout.map { ["/v1/ready": $0] } ?? [:], skipAuth: ["/v1/ready"])
        let settings = ServerSettings(policySet: try PolicySet(admin: Identity("disabled"), policies: []), routes: routes,
                                      errorToStderr: false)
        return ServerContext(cache: KeyCache(store: store, policy: CachePolicy()), settings: settings)
    }

    /// A connection whose TLS handshake is done (unless `handshaken` is false): the channel has
    /// no TLS handler, so the handshake's completion is announced the way NIOSSL announces it.
    private func makeChannel(
        idleTimeout: TimeAmount = .seconds(90), headerTimeout: TimeAmount = .seconds(10), handshaken: Bool = true
    ) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let connection = ConnectionHandler(
            context: try Self.context(store: MemoryKeyStore()), idleTimeout: idleTimeout, headerTimeout: headerTimeout)
        try channel.pipeline.syncOperations.addHTTPHandlers(connection)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7373)).wait()
        if handshaken { channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil)) }
        return channel
    }

    private func makeAsyncChannel(store: any KeyStore, readyTimeout: Duration? = nil) async throws -> NIOAsyncTestingChannel {
        let context = try Self.context(store: store, readyTimeout: readyTimeout)
        let channel = NIOAsyncTestingChannel()
        try await channel.testingEventLoop.executeInContext {
            let connection = ConnectionHandler(context: context, idleTimeout: .seconds(90), headerTimeout: .seconds(10))
            try channel.pipeline.syncOperations.addHTTPHandlers(connection)
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7373))
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        return channel
    }

    private func readAll(_ channel: EmbeddedChannel) throws -> String {
        var output = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            output += String(buffer: buffer)
        }
        return output
    }
}

/// A key store whose health probe waits until the test releases it, and which records whether
/// the waiting call was cancelled.
final class GatedKeyStore: KeyStore {
    var kind: String { "gated" }
    private let memory = MemoryKeyStore()
    private let state = Mutex<(probing: Bool, released: Bool, cancelled: Bool)>((false, false, false))

    func create(_ name: String, value: [UInt8]) async throws { try await memory.create(name, value: value) }
    func get(_ name: String) async throws -> [UInt8] { try await memory.get(name) }
    func delete(_ name: String) async throws { try await memory.delete(name) }
    func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        try await memory.list(prefix: prefix, startingAt: start, limit: limit)
    }

    func status() async throws {
        state.withLock { $0.probing = true }
        while !state.withLock({ $0.released }) {
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                state.withLock { $0.cancelled = true }
                throw error
            }
        }
    }

    func release() {
        state.withLock { $0.released = true }
    }

    func waitForProbe() async {
        while !state.withLock({ $0.probing }) { try? await Task.sleep(for: .milliseconds(2)) }
    }

    func waitForCancellation() async {
        while !state.withLock({ $0.cancelled }) { try? await Task.sleep(for: .milliseconds(2)) }
    }
}

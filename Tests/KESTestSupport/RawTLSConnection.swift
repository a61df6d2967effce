import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// One mTLS connection that sends and receives raw bytes, for tests of the HTTP layer itself:
/// pipelining, malformed requests, connection handling. HTTP clients hide exactly these.
public final class RawTLSConnection {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    /// Everything received so far.
    public private(set) var received = ""
    /// The server closed the connection.
    public private(set) var closed = false

    private init(outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, inbound: NIOAsyncChannelInboundStream<ByteBuffer>) {
        self.outbound = outbound
        self.inbound = inbound.makeAsyncIterator()
    }

    /// Connects to a local server as `identity` and runs `body`; the connection closes after it.
    /// - Parameter receiveBuffer: shrinks the socket's receive buffer (`SO_RCVBUF`), so that a
    ///   reader that stops reading stalls the server quickly.
    public static func with<Result>(
        port: Int, identity: TestIdentity, receiveBuffer: Int? = nil, _ body: (RawTLSConnection) async throws -> Result
    ) async throws -> Result {
        let context = try NIOSSLContext(configuration: TestClient.tlsConfiguration(identity: identity))
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let receiveBuffer {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer))
        }
        let channel = try await bootstrap
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(RawTLSConnection(outbound: outbound, inbound: inbound))
        }
    }

    public func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Reads until `done` holds for everything received so far, or the server closes.
    @discardableResult
    public func read(until done: (String) -> Bool) async throws -> String {
        while !done(received) && !closed {
            do {
                if let chunk = try await inbound.next() {
                    received += String(buffer: chunk)
                } else {
                    closed = true
                }
            } catch is NIOSSLError {
                closed = true  // a peer that closes without close_notify
            } catch let error as IOError where error.errnoCode == ECONNRESET {
                closed = true
            }
        }
        return received
    }

    /// Reads until the server closes the connection.
    @discardableResult
    public func readToClose() async throws -> String {
        try await read(until: { _ in false })
    }

    /// Reads until `count` complete responses (head and Content-Length body) have arrived.
    public func readResponses(_ count: Int) async throws -> [String] {
        try await read(until: { Self.split($0).count >= count })
        return Self.split(received)
    }

    /// Splits a byte stream of responses that all carry Content-Length.
    public static func split(_ text: String) -> [String] {
        var responses: [String] = []
        var rest = Substring(text)
        while let headEnd = rest.range(of: "\r\n\r\n") {
            let head = rest[..<headEnd.lowerBound]
            var length = 0
            for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
            }
            let bodyStart = headEnd.upperBound
            guard rest.utf8.distance(from: bodyStart, to: rest.utf8.endIndex) >= length else { break }
            let bodyEnd = rest.utf8.index(bodyStart, offsetBy: length)
            responses.append(String(rest[..<bodyEnd]))
            rest = rest[bodyEnd...]
        }
        return responses
    }
}

import Foundation
import KESTestSupport
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One mTLS connection that sends exact bytes and reads responses byte for byte, under a deadline.
///
/// `RawTLSConnection` sends text and reads text; hostile requests need bytes that are not UTF-8
/// (overlong encodings, raw high bytes), and their answers need a parser that knows the cases
/// where a response has no body (HEAD, 1xx), so that a body sent where none belongs shows up as
/// garbage in front of the next response instead of being swallowed.
final class RawExchange {
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let deadline: DeadlineFlag
    /// Bytes received and not yet taken by `next`.
    private(set) var pending: [UInt8] = []
    /// The server closed the connection (or the deadline closed it).
    private(set) var closed = false

    /// The deadline closed the connection, not the server.
    var timedOut: Bool { deadline.passed }

    private init(
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, inbound: NIOAsyncChannelInboundStream<ByteBuffer>,
        deadline: DeadlineFlag
    ) {
        self.outbound = outbound
        self.inbound = inbound.makeAsyncIterator()
        self.deadline = deadline
    }

    /// Connects as `identity`, runs `body`, and closes. The connection is closed from the event
    /// loop when `deadline` passes, which ends any read or write in progress: a server that
    /// never answers fails the exchange instead of hanging it.
    static func with<Result>(
        port: Int, identity: TestIdentity, deadline: Duration, _ body: (RawExchange) async throws -> Result
    ) async throws -> Result {
        let context = try NIOSSLContext(configuration: TestClient.tlsConfiguration(identity: identity))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(2))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let flag = DeadlineFlag()
        let underlying = channel.channel
        let nanoseconds = deadline.components.seconds * 1_000_000_000 + deadline.components.attoseconds / 1_000_000_000
        let timer = underlying.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            flag.pass()
            underlying.close(promise: nil)
        }
        defer { timer.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(RawExchange(outbound: outbound, inbound: inbound, deadline: flag))
        }
    }

    /// Sends bytes. A server that already answered and closed refuses the rest; that is a
    /// legitimate end of many hostile requests, so a failed write is not an error here.
    func send(_ bytes: [UInt8]) async {
        try? await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// The next complete response, or nil when the connection closed (or the deadline passed)
    /// first. `toHEAD` parses it as the answer to a HEAD request, which has no body whatever
    /// its headers say.
    func next(toHEAD: Bool = false) async -> RawResponse? {
        while true {
            switch RawResponse.parse(pending, toHEAD: toHEAD) {
            case .complete(let response, let consumed):
                pending.removeFirst(consumed)
                return response
            case .malformed:
                return nil
            case .incomplete:
                guard await receive() else { return nil }
            }
        }
    }

    /// Waits until the server closes the connection; returns whatever arrived before that.
    func remainderUntilClose() async -> [UInt8] {
        while await receive() {}
        return pending
    }

    /// Reads one chunk; false when the connection is closed.
    private func receive() async -> Bool {
        guard !closed else { return false }
        do {
            if let chunk = try await inbound.next() {
                pending.append(contentsOf: chunk.readableBytesView)
                return true
            }
        } catch {
            // A reset or a close without close_notify: the connection is over either way.
        }
        closed = true
        return false
    }
}

/// Set once, from the event loop, when an exchange's deadline closes its connection.
private final class DeadlineFlag: Sendable {
    private let state = Mutex(false)

    var passed: Bool { state.withLock { $0 } }

    func pass() { state.withLock { $0 = true } }
}

/// A response as the server wrote it.
struct RawResponse {
    let statusLine: String
    let status: Int
    let headers: [(name: String, value: String)]
    let body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var closesConnection: Bool { header("connection")?.lowercased() == "close" }

    /// The text of a `{"message":…}` body that holds nothing else; nil for any other body.
    var message: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], object.count == 1 else {
            return nil
        }
        return object["message"] as? String
    }

    enum Parse {
        case complete(RawResponse, consumed: Int)
        case incomplete
        case malformed
    }

    /// Parses one response from the front of `bytes`: Content-Length, chunked, or (with neither)
    /// nothing more than the head for HEAD answers and 1xx, 204 and 304 responses.
    static func parse(_ bytes: [UInt8], toHEAD: Bool) -> Parse {
        guard let headEnd = find([13, 10, 13, 10], in: bytes, from: 0) else {
            // A head never takes this long; anything that does is garbage, not a slow head.
            return bytes.count > 64 * 1024 ? .malformed : (isPlausibleStart(bytes) ? .incomplete : .malformed)
        }
        let lines = String(decoding: bytes[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines[0]
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return .malformed }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { return .malformed }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let bodyStart = headEnd + 4
        func complete(_ body: [UInt8], end: Int) -> Parse {
            .complete(RawResponse(statusLine: statusLine, status: status, headers: headers, body: body), consumed: end)
        }
        if toHEAD || (100..<200).contains(status) || status == 204 || status == 304 {
            return complete([], end: bodyStart)
        }
        let value = { (name: String) in headers.first { $0.name.lowercased() == name }?.value }
        if value("transfer-encoding")?.lowercased() == "chunked" {
            return parseChunked(bytes, from: bodyStart, complete: complete)
        }
        guard let lengthText = value("content-length") else {
            // No framing: the body runs to the end of the connection, which the caller reads first.
            return .incomplete
        }
        guard let length = Int(lengthText), length >= 0 else { return .malformed }
        guard bytes.count - bodyStart >= length else { return .incomplete }
        return complete(Array(bytes[bodyStart..<(bodyStart + length)]), end: bodyStart + length)
    }

    private static func parseChunked(_ bytes: [UInt8], from start: Int, complete: ([UInt8], Int) -> Parse) -> Parse {
        var body: [UInt8] = []
        var offset = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: offset) else { return .incomplete }
            let sizeText = String(decoding: bytes[offset..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else { return .malformed }
            let dataStart = lineEnd + 2
            if size == 0 {
                guard let end = find([13, 10, 13, 10], in: bytes, from: lineEnd) else { return .incomplete }
                return complete(body, end + 4)
            }
            guard bytes.count >= dataStart + size + 2 else { return .incomplete }
            body.append(contentsOf: bytes[dataStart..<(dataStart + size)])
            offset = dataStart + size + 2
        }
    }

    /// Whether `bytes` can still grow into a status line: a response that starts with anything
    /// else (a body left over from the previous answer) is reported at once.
    private static func isPlausibleStart(_ bytes: [UInt8]) -> Bool {
        let prefix = Array("HTTP/1.".utf8)
        return bytes.prefix(prefix.count).elementsEqual(prefix.prefix(min(bytes.count, prefix.count)))
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        var index = start
        while index <= bytes.count - needle.count {
            if bytes[index] == needle[0] && bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-thread HTTP/1.1 server on a loopback port the kernel picks, answering each request with
/// what `handler` returns and closing the connection. For what moto cannot imitate: IMDSv1-only
/// services, credentials that expire in seconds, error answers, and counting fetches.
final class LocalHTTPResponder: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        /// Lowercased names.
        var headers: [String: String]
        var body: String
    }

    struct Response: Sendable {
        var status: Int
        var body: String
        init(_ status: Int, _ body: String = "") {
            self.status = status
            self.body = body
        }
    }

    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    private let socket: Int32
    private let handler: @Sendable (Request) -> Response
    private let state = Mutex<(requests: [Request], stopping: Bool, stopped: Bool)>(([], false, false))

    /// Every request answered so far, in order.
    var requests: [Request] { state.withLock { $0.requests } }

    func requests(to path: String) -> [Request] { requests.filter { $0.path == path } }

    private init(socket: Int32, port: Int, handler: @escaping @Sendable (Request) -> Response) {
        self.socket = socket
        self.port = port
        self.handler = handler
    }

    /// Listens and starts answering at once; `run` stops it.
    static func start(_ handler: @escaping @Sendable (Request) -> Response) throws -> LocalHTTPResponder {
        let (fd, port) = try listeningSocket()
        let responder = LocalHTTPResponder(socket: fd, port: port, handler: handler)
        Thread { responder.serve() }.start()
        return responder
    }

    /// Runs `body` and then always stops the responder and its thread.
    @discardableResult
    func run<T>(_ body: (LocalHTTPResponder) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    private func stop() async {
        state.withLock { $0.stopping = true }
        // The accept loop polls every 20 ms; one exchange is bounded by the 2 s socket timeouts.
        while !state.withLock({ $0.stopped }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        close(socket)
    }

    private func serve() {
        defer { state.withLock { $0.stopped = true } }
        while !state.withLock({ $0.stopping }) {
            var ready = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 20) > 0 else { continue }
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else { continue }
            var limit = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            if let request = Self.read(connection) {
                state.withLock { $0.requests.append(request) }
                Self.write(handler(request), to: connection)
            }
            close(connection)
        }
    }

    private static func read(_ connection: Int32) -> Request? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var headEnd: Int?
        var expected = Int.max
        while bytes.count < expected {
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            bytes += chunk[0..<count]
            if headEnd == nil, let end = find([13, 10, 13, 10], in: bytes) {
                headEnd = end
                let head = String(decoding: bytes[0..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first
                expected = end + 4 + (length ?? 0)
            }
        }
        guard let headEnd else { return nil }
        let lines = String(decoding: bytes[0..<headEnd], as: UTF8.self).split(separator: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        let body = String(decoding: bytes[min(bytes.count, headEnd + 4)...], as: UTF8.self)
        return Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<$0 + needle.count]) == needle }
    }

    private static func write(_ response: Response, to connection: Int32) {
        let body = Array(response.body.utf8)
        let head = "HTTP/1.1 \(response.status) X\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }

    private static func listeningSocket() throws -> (Int32, Int) {
        #if os(Linux)
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        struct SocketError: Error {}
        guard fd >= 0 else { throw SocketError() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw SocketError()
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}

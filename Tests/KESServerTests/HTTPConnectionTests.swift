import Foundation
import KESCore
import KESTestSupport
import NIOHTTP1
import Testing

/// The HTTP/1.1 connection itself, seen as raw bytes over mTLS: what an HTTP client library
/// would hide.
@Suite(.timeLimit(.minutes(1))) struct HTTPConnectionTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let responses = try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
            // The create goes to the key store (an asynchronous answer); the requests behind it
            // must wait for it and see its effect.
            try await connection.send(
                "PUT /v1/key/create/piped HTTP/1.1\r\nHost: kes\r\nContent-Length: 0\r\n\r\n"
                + "GET /v1/key/describe/piped HTTP/1.1\r\nHost: kes\r\n\r\n"
                + "GET /v1/key/describe/absent HTTP/1.1\r\nHost: kes\r\n\r\n"
                + "GET /version HTTP/1.1\r\nHost: kes\r\n\r\n")
            return try await connection.readResponses(4)
        }
        #expect(responses.count == 4)
        #expect(responses[0].hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(responses[1].hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(responses[1].contains(#""name":"piped""#))
        #expect(responses[2].hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(responses[2].hasSuffix(#"{"message":"key does not exist"}"#))
        #expect(responses[3].hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(responses[3].contains(#""version":"#))
    }

    @Test func malformedHTTPGetsAJSONErrorAndTheConnectionCloses() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let reply = try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
            try await connection.send("NOT HTTP AT ALL\r\n\r\n")
            return try await connection.readToClose()
        }
        #expect(reply.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(reply.contains("Connection: close\r\n"))
        #expect(reply.hasSuffix(#"{"message":"malformed HTTP request"}"#))
        // The server is unharmed.
        #expect(try await server.client().get("/version").status == 200)
    }

    @Test func garbageBehindAnAsynchronousAnswerWaitsForIt() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let reply = try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
            try await connection.send("PUT /v1/key/create/before-garbage HTTP/1.1\r\nHost: kes\r\nContent-Length: 0\r\n\r\n"
                                      + "NOT HTTP AT ALL\r\n\r\n")
            return try await connection.readToClose()
        }
        let responses = RawTLSConnection.split(reply)
        #expect(responses.count == 2)
        #expect(responses.first?.hasPrefix("HTTP/1.1 200 OK\r\n") == true)
        #expect(responses.last?.hasPrefix("HTTP/1.1 400 Bad Request\r\n") == true)
        #expect(try await server.client().get("/v1/key/describe/before-garbage").status == 200)
    }

    @Test func aBodySentInPiecesIsReadWhole() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        #expect(try await server.client().put("/v1/key/create/pieces").status == 200)
        let body = #"{"plaintext":"aGVsbG8gd29ybGQ=","context":"Y29udGV4dA=="}"#
        let reply = try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
            try await connection.send("PUT /v1/key/encrypt/pieces HTTP/1.1\r\nHost: kes\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
            for piece in [body.prefix(10), body.dropFirst(10).prefix(20), body.dropFirst(30)] {
                // The pause is what is tested: each piece must arrive on its own, not coalesced.
                try await Task.sleep(for: .milliseconds(50))
                try await connection.send(String(piece))
            }
            return try await connection.readResponses(1)
        }
        #expect(reply.first?.hasPrefix("HTTP/1.1 200 OK\r\n") == true)
        #expect(reply.first?.contains(#""ciphertext":""#) == true)
    }

    @Test func anHTTP10LogStreamGetsRawLines() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let line = try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
            try await connection.send("GET /v1/log/audit HTTP/1.0\r\n\r\n")
            try await connection.read(until: { $0.contains("\r\n\r\n") })
            #expect(try await server.client().get("/v1/key/describe/http10").status == 404)
            let text = try await connection.read(until: { $0.contains("/v1/key/describe/http10") && $0.hasSuffix("\n") })
            return text
        }
        #expect(line.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(!line.lowercased().contains("transfer-encoding"))
        let body = line[line.range(of: "\r\n\r\n")!.upperBound...]
        #expect(body.hasPrefix("{"))
    }

    /// Mangled requests, 200 of them at once: every connection ends (answered or closed) and the
    /// server keeps answering. The generator is seeded, so a failure replays.
    @Test func mangledRequestsNeverHurtTheServer() async throws {
        let server = try await TestServer(idleTimeout: .seconds(2))
        defer { server.stop() }
        #expect(try await server.client().put("/v1/key/create/fuzz").status == 200)
        let seeds = [
            "PUT /v1/key/generate/fuzz HTTP/1.1\r\nHost: kes\r\nContent-Length: 2\r\n\r\n{}",
            "PUT /v1/key/decrypt/fuzz HTTP/1.1\r\nHost: kes\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"ciphertext\":\"\"}\r\n0\r\n\r\n",
            "GET /v1/key/list/%2F*?x=1 HTTP/1.1\r\nHost: kes\r\n\r\n",
            "POST /v1/key/hmac/fuzz HTTP/1.0\r\nContent-Length: 18\r\n\r\n{\"message\":\"aGk=\"}",
        ]
        var random = SeededRandom(seed: 0x6B65_7321)
        let inputs: [String] = (0..<200).map { _ in
            var bytes = Array(seeds[Int(random.next() % UInt64(seeds.count))].utf8)
            for _ in 0..<(1 + random.next() % 6) {
                let position = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(contentsOf: Array("99999999999".utf8), at: position)
                default: bytes.insert(contentsOf: Array("\r\n".utf8), at: position)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for input in inputs {
                group.addTask {
                    try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
                        try await connection.send(input)
                        // Answered, closed or idle-closed: all end within the idle timeout.
                        try await connection.readToClose()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await server.client().get("/version").status == 200)
        #expect(try await server.client().put("/v1/key/generate/fuzz", "{}").status == 200)
    }

    @Test func oversizedHeadersGet431() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let reply = try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
            try await connection.send("GET /version HTTP/1.1\r\nHost: kes\r\nX-Big: " + String(repeating: "a", count: 100_000) + "\r\n\r\n")
            return try await connection.readToClose()
        }
        #expect(reply.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large\r\n"))
        #expect(reply.hasSuffix(#"{"message":"request header fields too large"}"#))
    }

    @Test func connectionCloseIsHonoured() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let (reply, closed) = try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
            try await connection.send("GET /version HTTP/1.1\r\nHost: kes\r\nConnection: close\r\n\r\n"
                                      + "GET /version HTTP/1.1\r\nHost: kes\r\n\r\n")
            return (try await connection.readToClose(), connection.closed)
        }
        #expect(closed)
        #expect(RawTLSConnection.split(reply).count == 1)
        #expect(reply.contains("Connection: close\r\n"))
    }

    @Test func idleConnectionsCloseButLogStreamsStayOpen() async throws {
        // Long enough that a handshake on a loaded test machine does not count as idle.
        let server = try await TestServer(idleTimeout: .seconds(2))
        defer { server.stop() }
        // A keep-alive connection with nothing more to say is closed.
        let started = ContinuousClock.now
        let closed = try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
            try await connection.send("GET /version HTTP/1.1\r\nHost: kes\r\n\r\n")
            try await connection.readToClose()
            return connection.closed
        }
        #expect(closed)
        #expect(ContinuousClock.now - started < .seconds(10))

        // A half-sent request is closed too.
        let halfSent = try await RawTLSConnection.with(port: server.port, identity: server.admin) { connection in
            try await connection.send("PUT /v1/key/create/slow HTTP/1.1\r\nHost: kes\r\nContent-Length: 10\r\n\r\nabc")
            try await connection.readToClose()
            return connection.closed
        }
        #expect(halfSent)

        // A log stream outlives the idle timeout and still delivers.
        let listener = try server.client()
        let lines = try await listener.stream("/v1/log/audit")
        // The duration under test: well past the 2 s idle timeout, with nothing sent.
        try await Task.sleep(for: .milliseconds(4500))
        #expect(try await server.client().get("/v1/key/describe/after-idle").status == 404)
        var seen = false
        for try await line in lines where line.contains("/v1/key/describe/after-idle") {
            seen = true
            break
        }
        #expect(seen)
    }

    /// The router's per-request method check and the `Accept` header it reports must agree.
    @Test func everyRouteAcceptsExactlyTheMethodsItAdvertises() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()
        let paths = [
            "/version", "/v1/status", "/v1/api", "/v1/key/create/m", "/v1/key/import/m", "/v1/key/describe/m",
            "/v1/key/delete/m", "/v1/key/list/", "/v1/key/generate/m", "/v1/key/encrypt/m", "/v1/key/decrypt/m",
            "/v1/key/hmac/m", "/v1/policy/list/", "/v1/identity/list/", "/v1/secret/create/m", "/v1/secret/delete/m",
        ]
        for path in paths {
            var allowed: Set<String> = []
            var advertised: Set<String>?
            for method in [HTTPMethod.GET, .PUT, .POST, .DELETE] {
                let reply = try await client.request(method, path)
                if reply.status == 405 {
                    let header = try #require(reply.headers.first(name: "accept"), "\(method) \(path)")
                    advertised = Set(header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                } else {
                    allowed.insert(method.rawValue)
                }
            }
            #expect(!allowed.isEmpty, "\(path)")
            if let advertised { #expect(advertised == allowed, "\(path)") }
        }
    }

    /// A TLS 1.3 resumption skips the certificate exchange; the caller must still be the identity
    /// that the original handshake proved (the session carries its certificate). openssl's client
    /// is used because it can save and resume sessions.
    @Test func aResumedTLSSessionKeepsTheCallersIdentity() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let directory = TestServer.makeDirectory()
        try server.admin.certificatePEM.write(toFile: directory + "/client.crt", atomically: true, encoding: .utf8)
        try server.admin.privateKeyPEM.write(toFile: directory + "/client.key", atomically: true, encoding: .utf8)
        let request = "GET /v1/identity/self/describe HTTP/1.1\r\nHost: kes\r\nConnection: close\r\n\r\n"
        let common = ["s_client", "-connect", "127.0.0.1:\(server.port)", "-tls1_3", "-ign_eof"]
        let first = try await Self.openssl(common + ["-cert", directory + "/client.crt", "-key", directory + "/client.key",
                                                     "-sess_out", directory + "/session.pem"], input: request)
        #expect(first.contains("New, TLSv1.3"))
        #expect(first.contains(#""identity":"\#(server.admin.identity.rawValue)""#))
        // No certificate this time: only the resumed session can say who the caller is.
        let resumed = try await Self.openssl(common + ["-sess_in", directory + "/session.pem"], input: request)
        #expect(resumed.contains("Reused, TLSv1.3"))
        #expect(resumed.contains(#""identity":"\#(server.admin.identity.rawValue)""#))
        #expect(resumed.contains(#""admin":true"#))
    }

    private static func openssl(_ arguments: [String], input: String) async throws -> String {
        let (status, output, errors) = try await TestProcess.run("/usr/bin/env", ["openssl"] + arguments, input: input)
        #expect(status == 0, "openssl: \(output)\(errors)")
        return output + errors
    }
}

/// xorshift64*: a small seeded generator, so that a failing input can be replayed.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

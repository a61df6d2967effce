import Foundation
import KESCore
import KESTestSupport
import NIOCore
import NIOPosix
import Testing

@Suite struct LogStreamTests {
    @Test func auditStreamSeesAConcurrentRequest() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let listener = try server.client()
        let lines = try await listener.stream("/v1/log/audit")
        let worker = try server.client()
        #expect(try await worker.put("/v1/key/create/audited").status == 200)
        var iterator = lines.makeAsyncIterator()
        var event: [String: Any] = [:]
        while let line = try await iterator.next() {
            event = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])
            if (event["request"] as? [String: Any])?["path"] as? String == "/v1/key/create/audited" { break }
        }
        let request = try #require(event["request"] as? [String: Any])
        let response = try #require(event["response"] as? [String: Any])
        #expect(request["identity"] as? String == server.admin.identity.rawValue)
        #expect(request["ip"] as? String == "127.0.0.1")
        #expect(response["code"] as? Int == 200)
        #expect(response["time"] is Int)
        #expect(event["time"] is String)
    }

    @Test func errorStreamAndCounterSeeBackendFailures() async throws {
        let directory = TestServer.makeDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: true)
        try "garbage".write(toFile: directory + "/keys/broken", atomically: true, encoding: .utf8)
        let server = try await TestServer(directory: directory)
        defer { server.stop() }
        let client = try server.client()
        let lines = try await client.stream("/v1/log/error")
        let worker = try server.client()
        #expect(try await worker.put("/v1/key/generate/broken", "{}").status == 502)
        var iterator = lines.makeAsyncIterator()
        let line = try #require(try await iterator.next())
        let message = try #require(((try JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["message"] as? String)
        #expect(message.contains("broken"))
        #expect(!message.contains("garbage"))
        #expect(message.range(of: #"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} "#, options: .regularExpression) != nil)
        let metrics = try await worker.get("/v1/metrics")
        #expect(metrics.body.contains("kes_log_error_events 1"))
    }

    /// A client that speaks plain HTTP to the TLS port fails the handshake: the error log names
    /// the peer and the reason, and nothing the client sent. A bare connect-and-close (a health
    /// probe) logs nothing.
    @Test(.timeLimit(.minutes(1))) func aFailedTLSHandshakeReachesTheErrorLog() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let listener = try server.client()
        let lines = try await listener.stream("/v1/log/error")
        var iterator = lines.makeAsyncIterator()
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        func speakPlainHTTP() async throws -> String {
            let channel = try await bootstrap.connect(host: "127.0.0.1", port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: "GET /v1/key/list/secret-plaintext-name HTTP/1.1\r\n\r\n"))
                for try await _ in inbound {}
            }
            let line = try #require(try await iterator.next())
            return try #require(((try JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["message"] as? String)
        }

        let first = try await speakPlainHTTP()
        #expect(first.hasSuffix(" http: TLS handshake error from 127.0.0.1: client sent an HTTP request to an HTTPS server"))
        #expect(!first.contains("secret-plaintext-name"))

        // Were the probe logged, its line would come before or after the next one; either way the
        // count below would be 3.
        let probe = try await bootstrap.connect(host: "127.0.0.1", port: server.port).get()
        try await probe.close()
        let second = try await speakPlainHTTP()
        #expect(second.contains("http: TLS handshake error from 127.0.0.1: "))
        #expect(!second.contains("EOF during handshake"))
        #expect(try await listener.get("/v1/metrics").body.contains("kes_log_error_events 2"))
    }

    /// A subscriber that stops reading must not slow requests down: once its connection backs up,
    /// it is dropped, its connection closed, and the error log says so.
    @Test(.timeLimit(.minutes(1))) func aStalledSubscriberIsDropped() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let closed = try await RawTLSConnection.with(port: server.port, identity: server.admin, receiveBuffer: 4096) { stalled in
            try await stalled.send("GET /v1/log/audit HTTP/1.1\r\nHost: kes\r\n\r\n")
            try await stalled.read(until: { $0.contains("\r\n\r\n") })
            // Audit events pile up unread until the stalled connection stops taking them.
            let batch = String(repeating: "GET /version HTTP/1.1\r\nHost: kes\r\n\r\n", count: 1000)
            var dropped = false
            for _ in 0..<20 where !dropped {
                let answers = try await RawTLSConnection.with(port: server.port, identity: server.admin) { loader in
                    try await loader.send(batch)
                    return try await loader.readResponses(1000)
                }
                #expect(answers.count == 1000)
                dropped = try await server.client().get("/v1/metrics").body.contains("kes_log_error_events 1")
            }
            #expect(dropped)
            try await stalled.readToClose()
            return stalled.closed
        }
        #expect(closed)
    }
}

import Foundation
import KESCore
import KESTestSupport
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
            event = (try JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
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
}

import Foundation
import KESCore
import KESTestSupport
import Testing

@Suite struct BadInputTests {
    @Test func badNamesGetTheDocumentedMessages() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()
        let cases: [(String, String)] = [
            ("/v1/key/create/a/b", "invalid argument: name contains invalid character"),
            ("/v1/key/create/..", "invalid argument: name contains invalid character"),
            ("/v1/key/create/a%2Fb", "invalid argument: name contains invalid character"),
            ("/v1/key/create/..%2F..%2Fetc", "invalid argument: name contains invalid character"),
            ("/v1/key/create/my%20key", "invalid argument: name contains invalid character"),
            ("/v1/key/create/" + String(repeating: "a", count: 81), "invalid argument: name is too long"),
            ("/v1/key/create/", "invalid argument: name is empty"),
        ]
        for (path, message) in cases {
            let reply = try await client.put(path)
            #expect(reply.status == 400, "\(path)")
            #expect(reply.message == message, "\(path)")
            #expect(reply.headers.first(name: "content-type") == "application/json")
        }
        let pattern = try await client.get("/v1/key/list/a.b")
        #expect(pattern.status == 400)
        #expect(pattern.message == "invalid argument: pattern contains invalid character")
        #expect(try await client.put("/v1/key/create/" + String(repeating: "a", count: 80)).status == 200)
        #expect(try await client.get("/v1/status").status == 200)
    }

    @Test func badBodiesMethodsAndPaths() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let client = try server.client()
        #expect(try await client.put("/v1/key/create/k").status == 200)

        let invalidJSON = try await client.put("/v1/key/encrypt/k", #"{"plaintext":"#)
        #expect(invalidJSON.status == 400)
        #expect(invalidJSON.message == "invalid request body: not a well-formed JSON object")
        let notObject = try await client.put("/v1/key/decrypt/k", "[1,2]")
        #expect(notObject.status == 400)
        #expect(notObject.message == "invalid request body: not a well-formed JSON object")
        let invalidBase64 = try await client.put("/v1/key/encrypt/k", #"{"plaintext":"not base64!"}"#)
        #expect(invalidBase64.status == 400)
        #expect(invalidBase64.message == "invalid request body: 'plaintext' is not valid base64")
        let wrongType = try await client.put("/v1/key/decrypt/k", #"{"ciphertext":42}"#)
        #expect(wrongType.status == 400)
        #expect(wrongType.message == "invalid request body: 'ciphertext' must be a string")

        let huge = try await client.request(.PUT, "/v1/key/encrypt/k", bytes: Array(repeating: 0x41, count: (1 << 20) + 1))
        #expect(huge.status == 400)
        #expect(huge.message == "http: request body too large")

        let method = try await client.get("/v1/key/create/k")
        #expect(method.status == 405)
        #expect(method.message == "method not allowed")
        #expect(method.headers.first(name: "accept") == "PUT, POST")
        let deleteByPost = try await client.request(.POST, "/v1/key/delete/k")
        #expect(deleteByPost.status == 405)
        #expect(deleteByPost.message == "method not allowed")
        #expect(deleteByPost.headers.first(name: "accept") == "DELETE")

        let unknown = try await client.get("/v1/enclave/create/x")
        #expect(unknown.status == 501)
        #expect(unknown.message == "not implemented")

        // The server is still healthy and the key still works.
        #expect(try await client.put("/v1/key/generate/k", "{}").status == 200)
        #expect(try await client.get("/v1/status").status == 200)
    }
}

import Foundation
import KESConfig
import KESCore
import KESKeyStore
import KESTestSupport
import NIOHTTP1
import Testing

/// Every error text the server can send, each provoked through a running server and compared
/// byte for byte: the Go SDKs and MinIO recognize errors by status and exact text, so a changed
/// word is a broken client. The texts are written out here, not read from `WireError`, so that a
/// change to the catalogue has to change this test too.
@Suite struct ErrorMessageContractTests {
    /// The body of an error answer: `{"message":"…"}` and nothing else.
    static func body(_ message: String) -> String {
        #"{"message":"\#(message)"}"#
    }

    static func expect(
        _ reply: TestClient.Reply, _ status: Int, _ message: String, _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(reply.status == status, "\(label)", sourceLocation: sourceLocation)
        #expect(reply.body == body(message), "\(label)", sourceLocation: sourceLocation)
        #expect(reply.headers.first(name: "content-type") == "application/json", "\(label)", sourceLocation: sourceLocation)
    }

    // MARK: - Answers of a working server

    @Test func requestErrorsOfAWorkingServer() async throws {
        let memory = MemoryKeyStore()
        // A 2023 JSON key: it has no HMAC key (docs/compatibility.md, "Stored keys").
        let legacyKey = #"{"bytes":"\#(Base64.encode([UInt8](repeating: 7, count: 32)))"}"#
        try await memory.create("legacy", value: Array(legacyKey.utf8))
        let stranger = try TestIdentity.apiKey()
        let server = try await TestServer(keyStore: memory)
        defer { server.stop() }
        let admin = try server.client()
        #expect(try await admin.put("/v1/key/create/k").status == 200)

        let name81 = String(repeating: "a", count: 81)
        // 39 zero bytes: a format C ciphertext that no key opens.
        let zeros = String(repeating: "A", count: 52)
        let cases: [(HTTPMethod, String, String?, Int, String)] = [
            (.PUT, "/v1/key/create/k", nil, 400, "key already exists"),
            (.GET, "/v1/key/describe/missing", nil, 404, "key does not exist"),
            (.PUT, "/v1/key/decrypt/k", #"{"ciphertext":"\#(zeros)"}"#, 400, "decryption failed: ciphertext is not authentic"),
            (.GET, "/v1/policy/describe/missing", nil, 404, "policy does not exist"),
            (.GET, "/v1/identity/describe/missing", nil, 404, "identity does not exist"),
            (.GET, "/v1/enclave/create/x", nil, 501, "not implemented"),
            (.GET, "/v1/key/create/k", nil, 405, "method not allowed"),
            (.PUT, "/v1/key/hmac/legacy", #"{"message":"AA=="}"#, 409, "key does not support HMAC"),
            (.PUT, "/v1/key/import/x", #"{"key":"AA==","cipher":"DES"}"#, 400, "kes: invalid key algorithm 'DES'"),
            (.PUT, "/v1/key/import/x", #"{"key":"AA==","cipher":"AES256"}"#, 400, "invalid key size"),
            (.PUT, "/v1/key/encrypt/k", #"{"plaintext":"#, 400, "invalid request body: not a well-formed JSON object"),
            (.PUT, "/v1/key/decrypt/k", "[1,2]", 400, "invalid request body: not a well-formed JSON object"),
            (.PUT, "/v1/key/decrypt/k", #"{"ciphertext":42}"#, 400, "invalid request body: 'ciphertext' must be a string"),
            (.PUT, "/v1/key/hmac/k", #"{"message":true}"#, 400, "invalid request body: 'message' must be a string"),
            (.PUT, "/v1/key/encrypt/k", #"{"plaintext":"not base64!"}"#, 400, "invalid request body: 'plaintext' is not valid base64"),
            (.POST, "/v1/secret/create/s", #"{"type":"other","bytes":"AA=="}"#, 400, "unsupported secret type 'other'"),
            (.POST, "/v1/secret/create/s", "{}", 400, "invalid request body: 'bytes' is empty"),
            (.PUT, "/v1/key/create/", nil, 400, "invalid argument: name is empty"),
            (.PUT, "/v1/key/create/" + name81, nil, 400, "invalid argument: name is too long"),
            (.PUT, "/v1/key/create/a.b", nil, 400, "invalid argument: name contains invalid character"),
            (.GET, "/v1/key/list/" + name81, nil, 400, "invalid argument: pattern is too long"),
            (.GET, "/v1/key/list/a.b", nil, 400, "invalid argument: pattern contains invalid character"),
        ]
        for (method, path, body, status, message) in cases {
            let reply = try await admin.request(method, path, body: body)
            Self.expect(reply, status, message, "\(method) \(path)")
        }

        let huge = try await admin.request(.PUT, "/v1/key/encrypt/k", bytes: Array(repeating: 0x41, count: (1 << 20) + 1))
        Self.expect(huge, 400, "http: request body too large", "1 MiB + 1 body")

        let refused = try await server.client(stranger).get("/v1/key/describe/k")
        Self.expect(refused, 403, "not authorized: insufficient permissions", "identity in no policy")
    }

    /// A client without a certificate gets past the handshake only when some route skips
    /// authentication; every other route then refuses it for want of an identity.
    @Test func noClientCertificate() async throws {
        let server = try await TestServer { config in
            config.api = ["/v1/ready": APIRouteConfig(skipAuth: true)]
        }
        defer { server.stop() }
        let anonymous = try TestClient(port: server.port, identity: nil)
        #expect(try await anonymous.get("/v1/ready").status == 200)
        Self.expect(try await anonymous.get("/v1/status"), 400, "no client certificate is present", "anonymous /v1/status")
        Self.expect(try await anonymous.put("/v1/key/create/k"), 400, "no client certificate is present", "anonymous create")
    }

    // MARK: - Answers of the HTTP layer

    /// Requests an HTTP client library refuses to send, written byte for byte.
    @Test func errorsOfTheHTTPLayer() async throws {
        let server = try await TestServer()
        defer { server.stop() }
        let cases: [(label: String, request: String, status: Int, message: String, closes: Bool)] = [
            ("broken percent-encoding", "GET /v1/key/describe/a%zz HTTP/1.1\r\nHost: kes\r\n\r\n", 400, "invalid URL path", false),
            ("HTTP/1.1 without Host", "GET /version HTTP/1.1\r\n\r\n", 400, "missing required Host header", true),
            ("NUL byte in the path", "GET /v1/key/describe/a\u{0}b HTTP/1.1\r\nHost: kes\r\n\r\n", 400, "malformed HTTP request", true),
            (
                "100 KB path", "GET /v1/key/describe/" + String(repeating: "a", count: 100_000) + " HTTP/1.1\r\nHost: kes\r\n\r\n",
                431, "request header fields too large", true
            ),
        ]
        for item in cases {
            let response = try await RawExchange.with(port: server.port, identity: server.admin, deadline: .seconds(10)) { exchange in
                await exchange.send(Array(item.request.utf8))
                return await exchange.next()
            }
            let answer = try #require(response, "\(item.label): no answer")
            #expect(answer.status == item.status, "\(item.label)")
            #expect(String(decoding: answer.body, as: UTF8.self) == Self.body(item.message), "\(item.label)")
            #expect(answer.header("content-type") == "application/json", "\(item.label)")
            #expect(answer.closesConnection == item.closes, "\(item.label)")
        }
    }

    // MARK: - Answers of a failing key store

    /// `/v1/ready` tells a store that cannot be reached (504) from one that answers but cannot
    /// serve, such as a sealed Vault (502); any other probe failure counts as unavailable.
    @Test(arguments: [
        (KeyStoreError.unreachable("connection refused"), 504, "key store is not reachable"),
        (KeyStoreError.unavailable("sealed"), 502, "key store is unavailable"),
        (KeyStoreError.failed("boom"), 502, "key store is unavailable"),
    ])
    func readinessFailures(error: KeyStoreError, status: Int, message: String) async throws {
        let server = try await TestServer(keyStore: FailingKeyStore(error))
        defer { server.stop() }
        let client = try server.client()
        Self.expect(try await client.get("/v1/ready"), status, message, "/v1/ready, store \(error)")
        Self.expect(try await client.get("/ready"), status, message, "/ready, store \(error)")
        // The probe and the status report agree.
        let report = try await client.get("/v1/status")
        #expect(report.status == 200)
        #expect(report.json["keystore_unavailable"] as? Bool == true)
    }

    /// Backend failures reach the client only as the generic 502 of the operation; the
    /// backend's own text goes to the error log, never into the answer.
    @Test func backendFailuresOfEveryStoreOperation() async throws {
        let server = try await TestServer(keyStore: FailingKeyStore(.failed("backend secret detail")))
        defer { server.stop() }
        let client = try server.client()
        let key = Base64.encode([UInt8](repeating: 1, count: 32))
        let cases: [(HTTPMethod, String, String?, String)] = [
            (.PUT, "/v1/key/create/k", nil, "bad gateway: failed to create key"),
            (.PUT, "/v1/key/import/k", #"{"key":"\#(key)","cipher":"AES256"}"#, "bad gateway: failed to create key"),
            (.GET, "/v1/key/describe/k", nil, "bad gateway: failed to access key"),
            (.PUT, "/v1/key/generate/k", "{}", "bad gateway: failed to access key"),
            (.PUT, "/v1/key/encrypt/k", "{}", "bad gateway: failed to access key"),
            (.PUT, "/v1/key/decrypt/k", "{}", "bad gateway: failed to access key"),
            (.PUT, "/v1/key/hmac/k", "{}", "bad gateway: failed to access key"),
            (.DELETE, "/v1/key/delete/k", nil, "bad gateway: failed to delete key"),
            (.GET, "/v1/key/list/*", nil, "bad gateway: failed to list keys"),
            (.POST, "/v1/secret/create/s", #"{"bytes":"AA=="}"#, "bad gateway: failed to create key"),
            (.GET, "/v1/secret/describe/s", nil, "bad gateway: failed to access key"),
            (.GET, "/v1/secret/read/s", nil, "bad gateway: failed to access key"),
            (.DELETE, "/v1/secret/delete/s", nil, "bad gateway: failed to delete key"),
            (.GET, "/v1/secret/list/*", nil, "bad gateway: failed to list keys"),
        ]
        for (method, path, body, message) in cases {
            Self.expect(try await client.request(method, path, body: body), 502, message, "\(method) \(path)")
        }
    }
}

/// A key store every operation of which fails with one error: a backend that is down, sealed
/// or broken, without a real backend.
final class FailingKeyStore: KeyStore {
    let kind = "failing"
    let error: KeyStoreError

    init(_ error: KeyStoreError) {
        self.error = error
    }

    func create(_ name: String, value: [UInt8]) async throws { throw error }
    func get(_ name: String) async throws -> [UInt8] { throw error }
    func delete(_ name: String) async throws { throw error }
    func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage { throw error }
    func status() async throws { throw error }
}

import AsyncHTTPClient
import Foundation
import KESBootstrap
import KESClient
import KESConfig
import KESCore
import KESFileStore
import KESKeyStore
import KESServer
import KESTLS
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// A real swift-kes server on a loopback port, with a file key store in a temp directory.
///
/// It runs as in production, through `KESServer.run()`: besides serving, that runs the cache's
/// health probes and expiry sweeps, and closes the key store when the server stops.
public final class TestServer: Sendable {
    public let server: KESServer
    public let port: Int
    public let directory: String
    public let admin: TestIdentity
    /// `server.run()` in the background; nil when the test drives `run()` itself (`start: false`).
    private let running: Task<Void, any Error>?

    public static func makeDirectory() -> String {
        let path = NSTemporaryDirectory() + "kes-test-\(UUID().uuidString)"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            // Without it every later step fails obscurely; say why here.
            Issue.record("cannot create the test directory \(path): \(error)")
        }
        return path
    }

    /// - Parameters:
    ///   - start: true binds the port before returning (so `port` is known) and runs the server
    ///     through `server.run()` in a background task. False leaves both to the test, which
    ///     calls `server.run()` itself (`port` is then 0; read `server.localPort`).
    ///   - configure: adjusts the config (policies, api, cache) before the server starts.
    public init(
        admin: TestIdentity? = nil,
        directory: String? = nil,
        keyStore: (any KeyStore)? = nil,
        serverKeyType: CertificateMinter.KeyType = .p256,
        idleTimeout: Duration = .seconds(90),
        start: Bool = true,
        configure: (inout ServerConfig) -> Void = { _ in }
    ) async throws {
        let directory = directory ?? Self.makeDirectory()
        self.directory = directory
        let admin = try admin ?? TestIdentity.apiKey()
        self.admin = admin
        let tlsDirectory = directory + "-tls"
        try FileManager.default.createDirectory(atPath: tlsDirectory, withIntermediateDirectories: true)
        let certificate = try CertificateMinter.selfSigned(
            keyType: serverKeyType, commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"],
            validity: .seconds(3600))
        try certificate.certificatePEM.write(toFile: tlsDirectory + "/server.crt", atomically: true, encoding: .utf8)
        try certificate.privateKeyPEM.write(toFile: tlsDirectory + "/server.key", atomically: true, encoding: .utf8)
        var tls = ServerTLSConfig()
        tls.certPath = tlsDirectory + "/server.crt"
        tls.keyPath = tlsDirectory + "/server.key"
        var config = ServerConfig(
            address: "127.0.0.1:0", adminIdentity: admin.identity.rawValue, tls: tls,
            keystore: KeyStoreSection(name: "fs", configuration: FSKeyStoreConfig(path: directory + "/keys"))
        )
        configure(&config)
        let store = try keyStore ?? FileKeyStore(path: directory + "/keys")
        // The same bootstrap as `kes server --config`: a test configures the file's model.
        var configuration = try KESBootstrap.serverConfiguration(config, keyStore: store)
        configuration.idleTimeout = idleTimeout
        let server = try KESServer(configuration: configuration)
        self.server = server
        if start {
            // `run()` skips `start()` once the listener is bound, so binding first makes `port`
            // known here while everything else still goes the production way.
            try await server.start()
            running = Task { try await server.run() }
        } else {
            running = nil
        }
        port = server.localPort ?? 0
    }

    /// Stops the server and drops its open connections, so clients see it gone at once. The
    /// background `run()` then finishes by itself and closes the key store; `stopAndWait` waits
    /// for that.
    public func stop() {
        server.shutdownNow()
    }

    /// Stops the server and waits until `run()` has returned, so the port is free again and the
    /// key store is closed.
    /// - Parameter graceful: true stops accepting and lets requests in progress finish, as
    ///   SIGTERM does; false drops every connection at once, as a crash would.
    /// - Throws: what `run()` threw.
    public func stopAndWait(graceful: Bool = false) async throws {
        if graceful { server.shutdown() } else { server.shutdownNow() }
        try await running?.value
    }

    public func client(_ identity: TestIdentity? = nil) throws -> TestClient {
        try TestClient(port: port, identity: identity ?? admin)
    }
}

/// An HTTPS client presenting one identity's certificate.
public final class TestClient: Sendable {
    public let http: HTTPClient
    public let port: Int

    public struct Reply {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: String

        /// The body as a JSON object. A body that is not one records a test failure (and gives an
        /// empty object), so that a check such as `json["field"] == nil` cannot pass on a body
        /// that was never parsed. Use `jsonObject()` to throw instead.
        public var json: [String: Any] {
            do {
                return try jsonObject()
            } catch {
                Issue.record("\(error)")
                return [:]
            }
        }

        /// The body as a JSON object.
        /// - Throws: `NotJSON` when it is not a JSON object.
        public func jsonObject() throws -> [String: Any] {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else {
                throw NotJSON(status: status, body: body)
            }
            return object
        }

        /// The error message of a KES error body, nil when the body is not one (e.g. empty).
        public var message: String? { (try? jsonObject())?["message"] as? String }
    }

    public struct NotJSON: Error, CustomStringConvertible {
        public let status: Int
        public let body: String
        public var description: String { "the \(status) reply's body is not a JSON object: '\(body.prefix(200))'" }
    }

    public init(port: Int, identity: TestIdentity?) throws {
        self.port = port
        let tls = try TestClient.tlsConfiguration(identity: identity)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls))
    }

    deinit {
        try? http.syncShutdown()
    }

    /// Client TLS for tests: presents `identity`'s certificate (none if nil), trusts any server
    /// certificate, and accepts Ed25519 as KES clients do.
    public static func tlsConfiguration(identity: TestIdentity?) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.verifySignatureAlgorithms = SignatureAlgorithms.accepted
        tls.certificateVerification = .none
        if let identity {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificatePEM.utf8)).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
        }
        return tls
    }

    /// - Parameter headers: added to the request as given; a name may repeat.
    public func request(
        _ method: HTTPMethod, _ path: String, body: String? = nil, bytes: [UInt8]? = nil, headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        if let bytes { request.body = .bytes(ByteBuffer(bytes: bytes)) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: collected))
    }

    public func get(_ path: String) async throws -> Reply { try await request(.GET, path) }
    public func put(_ path: String, _ body: String? = nil) async throws -> Reply { try await request(.PUT, path, body: body) }
    public func post(_ path: String, _ body: String? = nil) async throws -> Reply { try await request(.POST, path, body: body) }
    public func delete(_ path: String) async throws -> Reply { try await request(.DELETE, path) }

    /// Opens a log stream and returns its lines as they arrive.
    public func stream(_ path: String) async throws -> AsyncThrowingStream<String, any Error> {
        let request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        let response = try await http.execute(request, timeout: .seconds(60))
        guard response.status == .ok else { throw StreamError(status: Int(response.status.code)) }
        return AsyncThrowingStream { continuation in
            let task = Task {
                var pending = ""
                do {
                    for try await chunk in response.body {
                        pending += String(buffer: chunk)
                        while let newline = pending.firstIndex(of: "\n") {
                            continuation.yield(String(pending[..<newline]))
                            pending = String(pending[pending.index(after: newline)...])
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public struct StreamError: Error {
        public let status: Int
    }
}

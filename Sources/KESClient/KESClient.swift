import AsyncHTTPClient
import Foundation
import KESCore
import KESHTTPBackend
import NIOCore
import NIOHTTP1
import NIOSSL

/// A client for a KES server (swift-kes or MinIO KES), over HTTPS with mutual TLS.
///
/// ```swift
/// let client = try KESClient(endpoint: "https://127.0.0.1:7373", apiKey: "kes:v1:…")
/// defer { Task { try await client.shutdown() } }
/// let dek = try await client.generateKey("my-key")          // a fresh data key, plain and sealed
/// let plain = try await client.decrypt("my-key", ciphertext: dek.ciphertext)
/// assert(plain == dek.plaintext)
/// ```
///
/// Call ``shutdown()`` when done. Requests retry a 503 or a network error twice, 200–1000 ms
/// apart, and with several endpoints move on to the next one after a network error or a 5xx
/// other than 501, as the Go SDK does. A refused connection fails at once, so the next endpoint
/// is tried without waiting out a connect timeout. Redirects are not followed: they would carry
/// the client certificate's authority to wherever they point.
public final class KESClient: Sendable {
    /// The endpoints, normalized to `https://host:port` without a trailing slash.
    public var endpoints: [String] { failover.endpoints }
    let configuration: KESClientConfiguration
    let http: HTTPClient
    /// Requests start at the endpoint that answered last.
    private let failover: EndpointFailover

    public init(configuration: KESClientConfiguration) throws {
        let endpoints = configuration.endpoints.map(Self.normalize).filter { !$0.isEmpty }
        guard !endpoints.isEmpty else { throw KESClientSetupError("no KES server endpoint given") }
        self.failover = EndpointFailover(endpoints: endpoints)
        self.configuration = configuration
        let tls = try KESClientTLS.clientConfiguration(
            credentials: configuration.credentials, serverCAPEM: configuration.serverCAPEM, insecure: configuration.insecure)
        http = BackendHTTPClient.make(tls: tls, connectTimeout: .seconds(3))
    }

    /// A client for one or more endpoints that authenticates with a `kes:v1:` API key.
    public convenience init(endpoints: [String], apiKey: String, serverCAPEM: String? = nil, insecure: Bool = false) throws {
        try self.init(configuration: KESClientConfiguration(
            endpoints: endpoints, credentials: try .apiKey(apiKey), serverCAPEM: serverCAPEM, insecure: insecure))
    }

    /// A client for one endpoint that authenticates with a `kes:v1:` API key.
    public convenience init(endpoint: String, apiKey: String, serverCAPEM: String? = nil, insecure: Bool = false) throws {
        try self.init(endpoints: [endpoint], apiKey: apiKey, serverCAPEM: serverCAPEM, insecure: insecure)
    }

    /// A client that presents a PEM certificate and private key (as text).
    public convenience init(
        endpoints: [String], certificatePEM: String, privateKeyPEM: String, serverCAPEM: String? = nil, insecure: Bool = false
    ) throws {
        try self.init(configuration: KESClientConfiguration(
            endpoints: endpoints, credentials: .certificate(certificatePEM: certificatePEM, privateKeyPEM: privateKeyPEM),
            serverCAPEM: serverCAPEM, insecure: insecure))
    }

    deinit {
        // A forgotten shutdown must not trap; the future keeps the HTTP client alive until it is done.
        _ = http.shutdown()
    }

    /// Closes the connections. The client cannot be used afterwards.
    public func shutdown() async throws {
        do {
            try await http.shutdown()
        } catch let error as HTTPClientError where error == .alreadyShutdown {}
    }

    static func normalize(_ endpoint: String) -> String {
        var text = endpoint.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return "" }
        if !text.contains("://") { text = "https://" + text }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}

// MARK: - Transport

extension KESClient {
    /// A response whose status is below 400, with its body collected.
    struct Reply: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    static let maxResponseSize = 64 << 20

    /// Sends one request with retries and failover, and returns a successful reply.
    /// - Throws: ``KESError`` for error statuses and unreachable endpoints.
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Reply {
        let (response, endpoint) = try await open(method, path, body: body, deadline: .now() + .init(configuration.requestTimeout))
        do {
            let collected = try await response.body.collect(upTo: Self.maxResponseSize)
            return Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: collected))
        } catch {
            throw KESError.unreachable(endpoint: endpoint, reason: BackendHTTPClient.describe(error))
        }
    }

    /// Sends a JSON body and decodes a JSON reply.
    func sendJSON<Output: Decodable>(
        _ method: HTTPMethod, _ path: String, body: [String: String]? = nil, as: Output.Type
    ) async throws -> Output {
        let bytes = try body.map { Array(try JSONEncoder.kes.encode($0)) }
        let reply = try await send(method, path, body: bytes)
        return try Self.decode(Output.self, from: reply.body, path: path)
    }

    /// Opens a request and returns the response of the first endpoint that answers with a
    /// status below 400; error statuses are thrown as ``KESError``.
    func open(_ method: HTTPMethod, _ path: String, body: [UInt8]?, deadline: NIODeadline) async throws
        -> (HTTPClientResponse, String)
    {
        var lastError = KESError.unreachable(endpoint: endpoints[0], reason: "no attempt made")
        for attempt in 0...max(0, configuration.retries) {
            if attempt > 0 {
                try await Task.sleep(for: .milliseconds(Int.random(in: 200...1000)))
            }
            // Another round follows when any endpoint failed in a way that may pass (unreachable, 503).
            var retry = false
            do {
                return try await failover.run({ endpoint in
                    let response: HTTPClientResponse
                    do {
                        response = try await execute(method, endpoint + path, body: body, deadline: deadline)
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        throw KESError.unreachable(endpoint: endpoint, reason: BackendHTTPClient.describe(error))
                    }
                    guard response.status.code < 400 else { throw await Self.error(from: response) }
                    return (response, endpoint)
                }, failsOver: { outcome in
                    guard case .failure(let error) = outcome, let error = error as? KESError else { return false }
                    retry = retry || error.isRetryable
                    return error.triggersFailover
                })
            } catch let error as KESError {
                lastError = error
                if !retry { break }
            }
        }
        throw lastError
    }

    private func execute(_ method: HTTPMethod, _ url: String, body: [UInt8]?, deadline: NIODeadline) async throws
        -> HTTPClientResponse
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        return try await http.execute(request, deadline: deadline)
    }

    /// Reads an error body the way Go clients do: `error` (if set) or `message` of a JSON body,
    /// else the raw text.
    static func error(from response: HTTPClientResponse) async -> KESError {
        let status = Int(response.status.code)
        let body = (try? await response.body.collect(upTo: 1 << 20)).map { Array(buffer: $0) } ?? []
        let text = String(decoding: body, as: UTF8.self)
        var message = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if response.headers.first(name: "Content-Type")?.hasPrefix("application/json") == true,
           let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        {
            if let error = object["error"] as? String, !error.isEmpty {
                message = error
            } else {
                message = object["message"] as? String ?? ""
            }
        }
        return KESError(status: status, message: message)
    }

    static func decode<Output: Decodable>(_ type: Output.Type, from body: [UInt8], path: String) throws -> Output {
        do {
            return try JSONDecoder.kes.decode(Output.self, from: Data(body))
        } catch {
            throw KESError.server(status: 200, message: "invalid response from \(path): \(error)")
        }
    }

    /// Percent-encodes a path argument; KES names never need it, but user input might.
    static func escape(_ argument: String) -> String {
        argument.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? argument
    }
}

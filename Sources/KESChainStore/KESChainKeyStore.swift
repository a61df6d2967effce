import AsyncHTTPClient
import Foundation
import KESClient
import KESCore
import KESHTTPBackend
import KESKeyStore
import KESTLS
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// `keystore.kes`: keeps keys in another KES-compatible server through its `/v1/secret/*`
/// API, as a KES edge server does. The upstream server stores the exact stored-key text,
/// so both servers see the same keys.
public final class KESChainKeyStore: KeyStore {
    public let kind = "kes"
    private let endpoints: EndpointFailover
    private let enclave: String
    private let http: HTTPClient
    private static let timeout = TimeAmount.seconds(10)
    /// Set once the upstream answers with a continuation token: from then on a page that starts
    /// mid-list is asked for directly instead of being walked to (KESChainKeyStore+List.swift).
    let upstreamPagesWithTokens = Mutex(false)

    public init(config: KESKeyStoreConfig) throws {
        guard !config.endpoints.isEmpty else { throw KeyStoreError.failed("kes: no endpoint specified") }
        endpoints = EndpointFailover(endpoints: config.endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
        enclave = config.enclave
        let tls: TLSConfiguration
        do {
            let credentials: KESCredentials = if !config.apiKey.isEmpty {
                try .apiKey(config.apiKey)
            } else if !config.tls.certPath.isEmpty {
                try .certificateFiles(certificate: config.tls.certPath, privateKey: config.tls.keyPath)
            } else {
                .none
            }
            var configuration = try KESClientTLS.clientConfiguration(
                credentials: credentials, serverCAPEM: nil, insecure: config.tls.insecureSkipVerify)
            if !config.tls.caPath.isEmpty {
                configuration.trustRoots = .certificates(try CertificateAuthorities.load(config.tls.caPath))
            }
            tls = configuration
        } catch {
            throw KeyStoreError.failed("kes: invalid client credentials: \(error)")
        }
        // A refused connection fails at once so that the next endpoint, or the cache, takes over.
        http = BackendHTTPClient.make(tls: tls, connectTimeout: .seconds(5), readTimeout: Self.timeout)
    }

    public func create(_ name: String, value: [UInt8]) async throws {
        let body = Array(try JSONEncoder.kes.encode(["bytes": Base64.encode(value), "type": "generic"]))
        let reply = try await send(.POST, "/v1/secret/create/\(name)", body: body)
        switch reply.status {
        case 200: return
        case 400 where reply.message.contains("already exist"): throw KeyStoreError.keyExists
        default: throw reply.error(operation: "create", name: name)
        }
    }

    public func get(_ name: String) async throws -> [UInt8] {
        let reply = try await send(.GET, "/v1/secret/read/\(name)")
        switch reply.status {
        case 200:
            guard let fields = JSONObjectFields(parsing: reply.body),
                  case .string(let text)? = fields.value(for: "bytes"),
                  let value = Base64.decode(text)
            else { throw KeyStoreError.failed("kes: invalid response reading '\(name)'") }
            return value
        case 404: throw KeyStoreError.keyNotFound
        default: throw reply.error(operation: "read", name: name)
        }
    }

    public func delete(_ name: String) async throws {
        let reply = try await send(.DELETE, "/v1/secret/delete/\(name)")
        switch reply.status {
        case 200: return
        case 404: throw KeyStoreError.keyNotFound
        default: throw reply.error(operation: "delete", name: name)
        }
    }

    public func status() async throws {
        let reply = try await send(.GET, "/v1/ready")
        guard reply.status == 200 else {
            throw KeyStoreError.unavailable("kes: upstream is not ready: \(reply.status) \(reply.message)")
        }
    }

    public func close() async {
        try? await http.shutdown()
    }

    deinit {
        // AsyncHTTPClient insists on a shutdown; after close() the second one only reports an error.
        _ = http.shutdown()
    }

    struct Reply: Sendable {
        let status: Int
        let body: [UInt8]

        var message: String {
            if let fields = JSONObjectFields(parsing: body), case .string(let text)? = fields.value(for: "message") {
                return text
            }
            return String(decoding: body.prefix(200), as: UTF8.self)
        }

        func error(operation: String, name: String) -> KeyStoreError {
            let text = "kes: failed to \(operation) '\(name)': \(status) \(message)"
            return status >= 500 ? .unavailable(text) : .failed(text)
        }
    }

    /// Tries the endpoints in turn; a network error or a 5xx (other than 501) moves on, as KES clients do.
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Reply {
        let enclave = self.enclave
        let http = self.http
        return try await endpoints.run({ endpoint in
            var request = HTTPClientRequest(url: endpoint + path)
            request.method = method
            if !enclave.isEmpty { request.headers.add(name: "Kes-Enclave", value: enclave) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            do {
                let response = try await http.execute(request, timeout: Self.timeout)
                return Reply(status: Int(response.status.code), body: try await BackendHTTPClient.collect(response, upTo: 2 << 20))
            } catch {
                throw KeyStoreError.unreachable("kes: no connection to \(endpoint): \(BackendHTTPClient.describe(error))")
            }
        }, failsOver: { outcome in
            switch outcome {
            case .success(let reply): reply.status >= 500 && reply.status != 501
            case .failure: true
            }
        })
    }
}

import AsyncHTTPClient
import Foundation
import KESConfig
import KESClient
import KESCore
import KESKeyStore
import NIOCore
import NIOHTTP1
import NIOSSL

/// `keystore.kes`: keeps keys in another KES-compatible server through its `/v1/secret/*`
/// API, as a KES edge server does. The upstream server stores the exact stored-key text,
/// so both servers see the same keys.
public final class KESChainKeyStore: KeyStore {
    public let kind = "kes"
    private let endpoints: [String]
    private let enclave: String
    private let http: HTTPClient
    private static let timeout = TimeAmount.seconds(10)

    public init(config: KESKeyStoreConfig) throws {
        guard !config.endpoints.isEmpty else { throw KeyStoreError.failed("kes: no endpoint specified") }
        endpoints = config.endpoints.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
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
            let serverCA = config.tls.caPath.isEmpty ? nil : try String(contentsOfFile: config.tls.caPath, encoding: .utf8)
            tls = try KESTLS.clientConfiguration(
                credentials: credentials, serverCAPEM: serverCA, insecure: config.tls.insecureSkipVerify)
        } catch {
            throw KeyStoreError.failed("kes: invalid client credentials: \(error)")
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // A refused connection must fail at once so that the next endpoint, or the cache, takes over.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(5), read: Self.timeout)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func create(_ name: String, value: [UInt8]) async throws {
        var body = JSONWriterLite()
        body.object(["bytes": Base64.encode(value), "type": "generic"])
        let reply = try await send(.POST, "/v1/secret/create/\(name)", body: body.bytes)
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

    public func list(prefix: String, limit: Int) async throws -> KeyListPage {
        var names: [String] = []
        var next = prefix
        // Follow `continue_at` pages until the upstream has no more.
        while true {
            let reply = try await send(.GET, "/v1/secret/list/\(next)")
            guard reply.status == 200 else { throw reply.error(operation: "list", name: prefix) }
            guard let page = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any] else {
                throw KeyStoreError.failed("kes: invalid response listing '\(prefix)'")
            }
            let pageNames = page["names"] as? [String] ?? []
            names.append(contentsOf: pageNames)
            let continueAt = page["continue_at"] as? String ?? ""
            if continueAt.isEmpty || continueAt == next { break }
            next = continueAt
        }
        return KeyListPage(allNames: Set(names), prefix: prefix, limit: limit)
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

    private struct Reply {
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

    /// Tries each endpoint in turn; a network error or a 5xx (other than 501) moves on, as KES clients do.
    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Reply {
        var lastError: KeyStoreError = .unreachable("kes: no endpoint")
        for endpoint in endpoints {
            var request = HTTPClientRequest(url: endpoint + path)
            request.method = method
            if !enclave.isEmpty { request.headers.add(name: "Kes-Enclave", value: enclave) }
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            do {
                let response = try await http.execute(request, timeout: Self.timeout)
                let collected = try await response.body.collect(upTo: 2 << 20)
                let reply = Reply(status: Int(response.status.code), body: Array(buffer: collected))
                if reply.status >= 500 && reply.status != 501 && endpoint != endpoints.last {
                    lastError = reply.error(operation: "reach", name: endpoint)
                    continue
                }
                return reply
            } catch {
                lastError = .unreachable("kes: no connection to \(endpoint): \(error)")
            }
        }
        throw lastError
    }
}

/// A flat JSON object of strings, for request bodies.
private struct JSONWriterLite {
    var bytes: [UInt8] = []

    mutating func object(_ fields: KeyValuePairs<String, String>) {
        bytes.append(UInt8(ascii: "{"))
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONStringWriter.append(field.key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            JSONStringWriter.append(field.value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }
}

import AsyncHTTPClient
import Foundation
import KESHTTPBackend
import NIOCore
import NIOHTTP1

/// One answer from Vault: the status and the (size-limited) body.
struct VaultResponse: Sendable {
    let status: HTTPResponseStatus
    let body: [UInt8]

    var code: Int { Int(status.code) }
    var isSuccess: Bool { (200..<300).contains(code) }

    /// The body as a JSON object, or nil when it is empty or not an object.
    func jsonObject() -> [String: Any]? {
        guard !body.isEmpty else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    /// `<reason> (<code>)` plus Vault's own error texts, which name paths and
    /// causes but never tokens or secret values.
    var failureText: String {
        var text = "server responded with: \(status.reasonPhrase) (\(code))"
        if let errors = jsonObject()?["errors"] as? [String], !errors.isEmpty {
            text += ": " + errors.joined(separator: "; ")
        }
        return text
    }

    /// Vault answers 503 with "Vault is sealed" (OpenBao: "… is sealed") while sealed.
    var saysSealed: Bool {
        code == 503 && String(decoding: body, as: UTF8.self).lowercased().contains("sealed")
    }
}

/// A network-level failure: no HTTP answer was received (refused, reset, timeout, TLS).
struct VaultTransportError: Error, Sendable, CustomStringConvertible {
    let description: String
}

/// Sends requests to one Vault endpoint with a deadline on every request, so a
/// hung server cannot hang a caller.
struct VaultTransport: Sendable {
    let client: HTTPClient
    /// `scheme://host[:port]`, no trailing slash.
    let endpoint: String
    let namespace: String
    let requestTimeout: TimeAmount

    /// Largest body read; a LIST over many keys is the biggest legitimate answer.
    static let maxBodyBytes = 64 << 20

    /// Sends `method` to `/v1/<location>`.
    ///
    /// - Parameters:
    ///   - query: appended after `?`, already encoded.
    ///   - withNamespace: false only for `sys/health`, which Vault serves from the root namespace.
    func send(
        _ method: HTTPMethod,
        _ location: String,
        query: String = "",
        json body: [UInt8]? = nil,
        token: String?,
        withNamespace: Bool = true,
        timeout: TimeAmount? = nil
    ) async throws(VaultTransportError) -> VaultResponse {
        var url = endpoint + "/v1/" + Self.encodePath(location)
        if !query.isEmpty { url += "?" + query }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token, !token.isEmpty {
            request.headers.add(name: "X-Vault-Token", value: token)
        }
        if withNamespace, !namespace.isEmpty {
            request.headers.add(name: "X-Vault-Namespace", value: namespace)
        }
        request.headers.add(name: "X-Vault-Request", value: "true")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await client.execute(request, timeout: timeout ?? requestTimeout)
            let body = try await BackendHTTPClient.collect(response, upTo: Self.maxBodyBytes)
            return VaultResponse(status: response.status, body: body)
        } catch {
            throw VaultTransportError(description: BackendHTTPClient.describe(error))
        }
    }

    /// Percent-encodes each segment so key names with spaces or `?` stay one segment.
    static func encodePath(_ location: String) -> String {
        location.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? String($0) }
            .joined(separator: "/")
    }

    private static let segmentCharacters: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        set.insert(charactersIn: "-._~")
        return set
    }()
}

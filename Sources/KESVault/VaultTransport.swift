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
            text += ": " + errors.map(Self.oneLine).joined(separator: "; ")
        }
        return text
    }

    /// Vault wraps some errors in Go's multierror layout ("1 error occurred:\n\t* permission
    /// denied\n\n"); an error-log line must stay one line, so only the causes are kept.
    static func oneLine(_ error: String) -> String {
        let lines = error.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        let causes = lines.filter { line in
            !line.isEmpty && !(line.hasSuffix("occurred:") && line.contains("error"))
        }.map { $0.hasPrefix("* ") ? String($0.dropFirst(2)) : $0 }
        return causes.isEmpty ? error : causes.joined(separator: "; ")
    }

    /// Vault answers 503 with "Vault is sealed" (OpenBao: "… is sealed") while sealed.
    var saysSealed: Bool {
        code == 503 && String(decoding: body, as: UTF8.self).lowercased().contains("sealed")
    }

    /// This node cannot serve, but another one of the cluster may: it is sealed or has no active
    /// node (503, or the health probe's 299), it is a standby that would send a write to an active
    /// node that just died (307 to the old address, or 500 "active cluster node not found"), or a
    /// proxy in front of it failed (502, 504).
    /// A "cannot serve" that a node gives before acting on the request, so a write that must
    /// not be applied twice may still go to the next node; a 502/504 from a proxy may not be one.
    var certainlyNotApplied: Bool {
        nodeCannotServe && code != 502 && code != 504
    }

    var nodeCannotServe: Bool {
        switch code {
        case 299, 307, 502, 503, 504: return true
        case 500: return String(decoding: body, as: UTF8.self).contains("active cluster node not found")
        default: return false
        }
    }
}

/// A network-level failure: no HTTP answer was received (refused, reset, timeout, TLS).
struct VaultTransportError: Error, Sendable, CustomStringConvertible {
    let description: String
    /// True when the request cannot have reached Vault (no connection was made), so sending it
    /// again elsewhere cannot apply it twice.
    var neverSent = false
    /// True when the node did not answer in time, as opposed to refusing or resetting at once.
    var timedOut = false
}

/// Sends requests to the endpoints of one Vault cluster with a deadline on every request, so a
/// hung server cannot hang a caller. A node that does not answer, or answers that it cannot
/// serve (sealed, no active node, a proxy's 502/504), is passed over for the next one.
struct VaultTransport: Sendable {
    let client: HTTPClient
    /// `scheme://host[:port]` each, no trailing slash.
    let endpoints: EndpointFailover
    let namespace: String
    let requestTimeout: TimeAmount
    let activeNode = VaultActiveNode()

    /// The endpoint, or all of them, for messages.
    var endpoint: String { endpoints.endpoints.joined(separator: ", ") }

    /// Largest body read; a LIST over many keys is the biggest legitimate answer.
    static let maxBodyBytes = 64 << 20

    /// Sends `method` to `/v1/<location>`.
    ///
    /// - Parameters:
    ///   - query: appended after `?`, already encoded.
    ///   - namespace: the namespace to send instead of the store's; empty means the root, which
    ///     `sys/health` needs and a login may ask for.
    ///   - mayRepeat: false for a write that must not be applied twice: after a timeout it might
    ///     have been, so it only moves to the next node when it never left.
    ///   - consistent: true when the answer must reflect every write, also one made a moment ago
    ///     through another node: the request goes to the active node (`VaultActiveNode`), and to
    ///     the endpoints as configured only when there is none or it does not answer.
    ///   - timeout: the budget for all nodes together.
    func send(
        _ method: HTTPMethod,
        _ location: String,
        query: String = "",
        json body: [UInt8]? = nil,
        token: String?,
        namespace: String? = nil,
        mayRepeat: Bool = true,
        consistent: Bool = false,
        timeout: TimeAmount? = nil
    ) async throws(VaultTransportError) -> VaultResponse {
        let deadline = NIODeadline.now() + (timeout ?? requestTimeout)
        let namespace = namespace ?? self.namespace
        if consistent, let active = await activeNode.address(using: self, deadline: deadline) {
            do {
                let response = try await send(
                    to: active, method, location, query: query, json: body, token: token, namespace: namespace,
                    deadline: attemptDeadline(deadline, nodesLeft: endpoints.endpoints.count + 1, mayRepeat: mayRepeat))
                if !response.nodeCannotServe { return response }
                activeNode.forget()
                // A proxy's 502/504 may come after it passed the write on.
                if !mayRepeat && !response.certainlyNotApplied { return response }
            } catch {
                // A refused connection costs nothing to find out again; a timeout does.
                if error.timedOut { activeNode.unreachable() } else { activeNode.forget() }
                // Possibly applied there: a write that must not repeat reports the failure.
                if !mayRepeat && !error.neverSent { throw error }
            }
        }
        var nodesLeft = endpoints.endpoints.count + 1
        do {
            return try await endpoints.run({ endpoint in
                nodesLeft -= 1
                return try await send(
                    to: endpoint, method, location, query: query, json: body, token: token,
                    namespace: namespace, deadline: attemptDeadline(deadline, nodesLeft: nodesLeft, mayRepeat: mayRepeat))
            }, failsOver: { outcome in
                guard NIODeadline.now() < deadline else { return false }
                switch outcome {
                case .success(let response): return mayRepeat ? response.nodeCannotServe : response.certainlyNotApplied
                case .failure(let error as VaultTransportError): return mayRepeat || error.neverSent
                case .failure: return false
                }
            })
        } catch let error as VaultTransportError {
            throw error
        } catch {
            throw VaultTransportError(description: "\(error)")
        }
    }

    /// A hung node would take the whole budget and leave none for the others, so a node that is
    /// not the last gets half of what is left, but at least `minimumAttempt`: a cluster that is
    /// slow everywhere (a WAN, a 2 s latency) must still be able to answer. A write that must not
    /// repeat gets all of it: after a timeout it could not go elsewhere anyway.
    private func attemptDeadline(_ deadline: NIODeadline, nodesLeft: Int, mayRepeat: Bool) -> NIODeadline {
        guard mayRepeat, nodesLeft > 1 else { return deadline }
        let now = NIODeadline.now()
        let share = max(TimeAmount.nanoseconds((deadline - now).nanoseconds / 2), Self.minimumAttempt)
        return min(deadline, now + share)
    }

    /// The least time a node that is not the last gets before the next one is tried.
    static let minimumAttempt = TimeAmount.seconds(4)

    private func send(
        to endpoint: String,
        _ method: HTTPMethod,
        _ location: String,
        query: String,
        json body: [UInt8]?,
        token: String?,
        namespace: String,
        deadline: NIODeadline
    ) async throws(VaultTransportError) -> VaultResponse {
        var url = endpoint + "/v1/" + Self.encodePath(location)
        if !query.isEmpty { url += "?" + query }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token, !token.isEmpty {
            request.headers.add(name: "X-Vault-Token", value: token)
        }
        if !namespace.isEmpty {
            request.headers.add(name: "X-Vault-Namespace", value: namespace)
        }
        request.headers.add(name: "X-Vault-Request", value: "true")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await client.execute(request, deadline: deadline)
            let body = try await BackendHTTPClient.collect(response, upTo: Self.maxBodyBytes)
            return VaultResponse(status: response.status, body: body)
        } catch {
            let text = BackendHTTPClient.describe(error)
            throw VaultTransportError(
                description: endpoints.endpoints.count > 1 ? "\(endpoint): \(text)" : text,
                neverSent: BackendHTTPClient.failedBeforeSending(error),
                timedOut: BackendHTTPClient.isTimeout(error))
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

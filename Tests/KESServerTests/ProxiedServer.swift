import Foundation
import KESConfig
import KESTestSupport
import Testing

/// A test server behind `tls.proxy`: one proxy identity, the admin, and a member of policy
/// `app`, which may create and describe `app-*` keys.
struct ProxiedServer {
    static let header = NginxProxy.certificateHeader

    let server: TestServer
    let proxy: TestIdentity
    let member: TestIdentity

    init(
        proxy: TestIdentity? = nil, admin: TestIdentity? = nil, member: TestIdentity? = nil,
        configure: (inout ServerConfig) -> Void = { _ in }
    ) async throws {
        let proxy = try proxy ?? TestIdentity.ecdsa()
        let member = try member ?? TestIdentity.apiKey()
        self.proxy = proxy
        self.member = member
        server = try await TestServer(admin: admin) { config in
            config.tls.proxyIdentities = [proxy.identity.rawValue]
            config.tls.proxyCertHeader = Self.header
            config.policies = [
                PolicyConfig(
                    name: "app", allow: ["/v1/key/create/app-*", "/v1/key/describe/app-*"], identities: [member.identity.rawValue])
            ]
            configure(&config)
        }
    }

    func stop() {
        server.stop()
    }

    /// A client connected straight to the server, not through a proxy.
    func direct(_ identity: TestIdentity?) throws -> TestClient {
        try TestClient(port: server.port, identity: identity)
    }

    /// A certificate as nginx's `$ssl_client_escaped_cert` forwards it: PEM, URL-encoded.
    static func escaped(_ pem: String) -> String {
        var unreserved = CharacterSet.alphanumerics
        unreserved.insert(charactersIn: "-._~")
        return pem.addingPercentEncoding(withAllowedCharacters: unreserved) ?? pem
    }

    /// `identity`'s certificate in the proxy header.
    static func forwarding(_ identity: TestIdentity, forwardedFor: String? = nil) -> [(String, String)] {
        var headers = [(header, escaped(identity.certificatePEM))]
        if let forwardedFor { headers.append(("X-Forwarded-For", forwardedFor)) }
        return headers
    }
}

extension ProxiedServer {
    /// A server with `tls.auth: on` and `ca` as its `tls.ca`; the proxy and the admin hold
    /// certificates from `ca`, the member a self-signed one.
    /// - Returns: the server and the CA file, for a proxy that verifies clients too.
    static func verifying(_ ca: TestCA) async throws -> (setup: ProxiedServer, caFile: String) {
        let caFile = TestServer.makeDirectory() + "/ca.pem"
        try ca.certificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let setup = try await ProxiedServer(
            proxy: try ca.issueClient(commonName: "nginx"), admin: try ca.issueClient(commonName: "admin")
        ) { config in
            config.tls.auth = true
            config.tls.caPath = caFile
        }
        return (setup, caFile)
    }
}

/// The server's audit stream, read by an admin client that lives as long as the stream (its
/// HTTP client shuts down with it).
final class AuditTail {
    private let client: TestClient
    private var events: AsyncThrowingStream<String, any Error>.AsyncIterator

    init(_ server: TestServer) async throws {
        client = try server.client()
        events = try await client.stream("/v1/log/audit").makeAsyncIterator()
    }

    /// Reads events until one for `path` arrives, and returns its `request` object.
    func request(for path: String) async throws -> [String: Any] {
        while let line = try await events.next() {
            let event = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])
            if let request = event["request"] as? [String: Any], request["path"] as? String == path { return request }
        }
        Issue.record("the audit stream ended before an event for \(path)")
        return [:]
    }
}

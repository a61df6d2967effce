import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Raw HTTP calls to OpenBao for fixtures and for checking the storage layout
/// independently of the store under test.
public struct OpenBaoAdmin: Sendable {
    public let server: OpenBaoServer
    public var token: String
    public var namespace: String = ""

    public init(_ server: OpenBaoServer, token: String? = nil, namespace: String = "") {
        self.server = server
        self.token = token ?? server.rootToken
        self.namespace = namespace
    }

    public struct Reply: @unchecked Sendable {
        public let status: Int
        /// The decoded JSON body, or nil for an empty or non-JSON body.
        public let json: [String: Any]?

        public var data: [String: Any]? { json?["data"] as? [String: Any] }
    }

    @discardableResult
    public func call(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: server.address + "/v1/" + path)
        request.method = method
        if !token.isEmpty { request.headers.add(name: "X-Vault-Token", value: token) }
        if !namespace.isEmpty { request.headers.add(name: "X-Vault-Namespace", value: namespace) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await Self.client(for: server).execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any]
        return Reply(status: Int(response.status.code), json: json)
    }

    /// Like `call`, but fails unless the answer is 2xx.
    @discardableResult
    public func must(_ method: HTTPMethod, _ path: String, _ body: [String: Any]? = nil) async throws -> Reply {
        let reply = try await call(method, path, body)
        guard (200..<300).contains(reply.status) else {
            throw OpenBaoLauncherError.failed("\(method) \(path) answered \(reply.status): \(reply.json ?? [:])")
        }
        return reply
    }

    private static func client(for server: OpenBaoServer) -> HTTPClient {
        guard server.caFile != nil else { return HTTPClient.shared }
        return tlsClient
    }

    /// Accepts any certificate: only for fixture setup against the dev-TLS server.
    private static let tlsClient: HTTPClient = {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(tlsConfiguration: tls))
    }()
}

/// The fixtures every store test relies on.
public struct OpenBaoFixtures: Sendable {
    public let roleID: String
    public let secretID: String

    public init(roleID: String, secretID: String) {
        self.roleID = roleID
        self.secretID = secretID
    }

    public static let policyName = "kes"

    /// Mounts `kv1/` (K/V v1) and `kv2/` (K/V v2), writes a policy for both, enables
    /// AppRole and creates role `kes` with the given token TTLs.
    public static func install(
        on admin: OpenBaoAdmin, tokenTTL: String = "60s", tokenMaxTTL: String = "0"
    ) async throws -> OpenBaoFixtures {
        try await admin.must(.POST, "sys/mounts/kv1", ["type": "kv", "options": ["version": "1"]])
        try await admin.must(.POST, "sys/mounts/kv2", ["type": "kv", "options": ["version": "2"]])
        let policy = """
            path "kv1/*" { capabilities = ["create", "read", "update", "delete", "list"] }
            path "kv2/*" { capabilities = ["create", "read", "update", "delete", "list"] }
            """
        try await admin.must(.PUT, "sys/policies/acl/\(policyName)", ["policy": policy])
        try await admin.must(.POST, "sys/auth/approle", ["type": "approle"])
        try await admin.must(.POST, "auth/approle/role/kes", [
            "token_policies": [policyName], "token_ttl": tokenTTL, "token_max_ttl": tokenMaxTTL,
        ])
        let roleID = try await admin.must(.GET, "auth/approle/role/kes/role-id").data?["role_id"] as? String
        let secretID = try await admin.must(.POST, "auth/approle/role/kes/secret-id").data?["secret_id"] as? String
        guard let roleID, let secretID else { throw OpenBaoLauncherError.failed("approle fixture incomplete") }
        return OpenBaoFixtures(roleID: roleID, secretID: secretID)
    }
}

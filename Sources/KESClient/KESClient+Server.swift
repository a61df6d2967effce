import Foundation

extension KESClient {
    /// The server's release (`GET /version`).
    public func version() async throws -> ServerVersion {
        try await sendJSON(.GET, "/version", as: ServerVersion.self)
    }

    /// True when the server and its key store can serve requests (`GET /v1/ready` answers 200).
    /// - Throws: only for authorization failures and unreachable servers.
    public func isReady() async throws -> Bool {
        do {
            _ = try await send(.GET, "/v1/ready")
            return true
        } catch let error as KESError {
            switch error {
            case .server(let status, _) where status == 502 || status == 504: return false
            default: throw error
            }
        }
    }

    /// The server's and key store's state (`GET /v1/status`).
    public func status() async throws -> ServerStatus {
        try await sendJSON(.GET, "/v1/status", as: ServerStatus.self)
    }

    /// The routes the server offers (`GET /v1/api`).
    public func api() async throws -> [APIRoute] {
        try await sendJSON(.GET, "/v1/api", as: [APIRoute].self)
    }

    /// The Prometheus metrics in text exposition format (`GET /v1/metrics`).
    public func metrics() async throws -> String {
        String(decoding: try await send(.GET, "/v1/metrics").body, as: UTF8.self)
    }
}

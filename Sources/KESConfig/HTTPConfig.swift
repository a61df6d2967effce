/// The `http:` section, a swift-kes extension (KES has no such keys): limits on connections
/// that keep slow or idle clients from holding the server's file descriptors.
public struct HTTPConfig: Sendable, Equatable {
    /// `http.max_connections`: connections open at once; at the cap the one idle longest is
    /// closed to admit a new one. 0 means the server's default.
    public var maxConnections: Int
    /// `http.header_timeout`: how long the TLS handshake may take, and a request's head and
    /// body once they started. 0 means the server's default.
    public var headerTimeout: Duration
    /// `http.idle_timeout`: how long a keep-alive connection may sit unused. 0 means the
    /// server's default (90 s, as KES).
    public var idleTimeout: Duration

    public init(maxConnections: Int = 0, headerTimeout: Duration = .zero, idleTimeout: Duration = .zero) {
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }
}

extension ConfigReader {
    func httpConfig(_ field: ConfigField) throws(ConfigError) -> HTTPConfig {
        let http = try section(field)
        var maxConnections = 0
        let capField = http.child("max_connections")
        if let text = try string(capField), !text.isEmpty {
            guard let value = Int(text), value > 0 else {
                throw error(capField.path, "expected a positive number of connections, got \"\(text)\"")
            }
            maxConnections = value
        }
        return HTTPConfig(
            maxConnections: maxConnections,
            headerTimeout: try duration(http.child("header_timeout")) ?? .zero,
            idleTimeout: try duration(http.child("idle_timeout")) ?? .zero
        )
    }
}

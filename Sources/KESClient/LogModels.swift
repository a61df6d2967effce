import Foundation

/// One line of `/v1/log/audit`: an API call and its outcome.
public struct AuditEvent: Codable, Sendable, Equatable {
    public var time: Date?
    public var request: Request
    public var response: Response

    public struct Request: Codable, Sendable, Equatable {
        public var ip: String?
        public var path: String
        public var identity: String?
    }

    public struct Response: Codable, Sendable, Equatable {
        public var code: Int
        /// Nanoseconds until the status was written.
        public var time: Int64
    }
}

/// One line of `/v1/log/error`.
public struct ErrorEvent: Codable, Sendable, Equatable {
    public var message: String
}

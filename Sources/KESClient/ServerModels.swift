import Foundation

/// `GET /version`.
public struct ServerVersion: Codable, Sendable, Equatable {
    public var version: String
    public var commit: String?
}

/// `GET /v1/status`: the server's state and its key store's.
public struct ServerStatus: Codable, Sendable, Equatable {
    public var version: String
    public var os: String
    public var arch: String
    /// Seconds since start. KES 2023 sends nanoseconds; such values are converted.
    public var uptime: Double
    public var cpus: Int
    public var usableCPUs: Int
    public var heapUsed: UInt64
    public var stackUsed: UInt64
    /// The key store's round trip in milliseconds; nil when it did not answer.
    public var keyStoreLatency: Int?
    /// The key store could not serve the status probe.
    public var keyStoreUnavailable: Bool
    /// The key store could not be reached over the network.
    public var keyStoreUnreachable: Bool

    enum CodingKeys: String, CodingKey {
        case version, os, arch, uptime
        case cpus = "num_cpu", usableCPUs = "num_cpu_used", heapUsed = "mem_heap_used", stackUsed = "mem_stack_used"
        case keyStoreLatency = "keystore_latency", keyStoreUnavailable = "keystore_unavailable"
        case keyStoreUnreachable = "keystore_unreachable"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? ""
        os = try c.decodeIfPresent(String.self, forKey: .os) ?? ""
        arch = try c.decodeIfPresent(String.self, forKey: .arch) ?? ""
        let rawUptime = try c.decodeIfPresent(Double.self, forKey: .uptime) ?? 0
        // More than 1000 years in seconds can only be a Go duration in nanoseconds.
        uptime = rawUptime > 3.2e10 ? rawUptime / 1e9 : rawUptime
        cpus = try c.decodeIfPresent(Int.self, forKey: .cpus) ?? 0
        usableCPUs = try c.decodeIfPresent(Int.self, forKey: .usableCPUs) ?? 0
        heapUsed = try c.decodeIfPresent(UInt64.self, forKey: .heapUsed) ?? 0
        stackUsed = try c.decodeIfPresent(UInt64.self, forKey: .stackUsed) ?? 0
        keyStoreLatency = try c.decodeIfPresent(Int.self, forKey: .keyStoreLatency)
        keyStoreUnreachable = try c.decodeIfPresent(Bool.self, forKey: .keyStoreUnreachable) ?? false
        keyStoreUnavailable = try c.decodeIfPresent(Bool.self, forKey: .keyStoreUnavailable) ?? false || keyStoreUnreachable
    }
}

/// One entry of `GET /v1/api`.
public struct APIRoute: Codable, Sendable, Equatable {
    public var method: String
    public var path: String
    /// The largest request body in bytes.
    public var maxBody: Int
    /// The route's timeout in seconds; 0 means none.
    public var timeout: Int

    enum CodingKeys: String, CodingKey {
        case method, path, maxBody = "max_body", timeout
    }
}

import Foundation

/// A service endpoint as KES configures it: either a bare host such as
/// `secretsmanager.us-east-2.amazonaws.com` (HTTPS assumed) or a full URL such as
/// `http://127.0.0.1:5000` (local emulators like moto).
public struct AWSEndpoint: Sendable, Equatable {
    /// Scheme, host and optional port, without a trailing slash.
    public var baseURL: String
    /// The `Host` header value: the host, plus `:port` when it is not the scheme's default.
    public var hostHeader: String
    public var host: String

    public init?(_ text: String) {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !trimmed.isEmpty else { return nil }
        if !trimmed.contains("://") {
            trimmed = "https://" + trimmed
        }
        guard let components = URLComponents(string: trimmed),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let bracketed = components.host, !bracketed.isEmpty
        else { return nil }
        // Foundation keeps the brackets of an IPv6 literal on some platforms and drops them on others.
        let host = bracketed.hasPrefix("[") && bracketed.hasSuffix("]") ? String(bracketed.dropFirst().dropLast()) : bracketed
        let defaultPort = scheme == "https" ? 443 : 80
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var authority = hostPart
        if let port = components.port, port != defaultPort {
            authority += ":\(port)"
        }
        self.host = host
        self.hostHeader = authority
        self.baseURL = "\(scheme)://\(authority)" + (components.path == "/" ? "" : components.path)
    }

    /// The KMS endpoint that belongs to this Secrets Manager endpoint: the same URL
    /// for emulators and custom URLs given with a scheme, `kms.` in place of
    /// `secretsmanager.` for AWS hosts, else the regional public KMS host.
    public func kmsEndpoint(region: String) -> AWSEndpoint {
        if host.hasPrefix("secretsmanager.") {
            let kmsHost = "kms." + host.dropFirst("secretsmanager.".count)
            return AWSEndpoint(baseURL.replacingOccurrences(of: host, with: kmsHost)) ?? self
        }
        if host.hasSuffix("amazonaws.com") || host.hasSuffix("amazonaws.com.cn") {
            return AWSEndpoint("kms.\(region).amazonaws.com") ?? self
        }
        return self
    }
}

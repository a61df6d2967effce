import Foundation

/// Where to connect: parsed from `https://host:port`.
struct ServerAddress: Sendable {
    let host: String
    let port: Int
    /// The `Host` header value, as the user wrote the authority.
    let authority: String

    /// Accepts `https://host[:port]` (port 443 by default) and `host:port`; only HTTPS is spoken.
    init?(_ text: String) {
        var rest = Substring(text)
        if rest.hasPrefix("https://") {
            rest = rest.dropFirst("https://".count)
        } else if rest.contains("://") {
            return nil
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard !rest.isEmpty else { return nil }
        authority = String(rest)
        if rest.hasPrefix("[") {  // [IPv6]:port
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            if tail.isEmpty {
                port = 443
            } else {
                guard tail.hasPrefix(":"), let number = Int(tail.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            guard let number = Int(rest[rest.index(after: colon)...]) else { return nil }
            port = number
        } else {
            host = String(rest)
            port = 443
        }
        guard (1...65535).contains(port), !host.isEmpty else { return nil }
    }

    /// SNI must be a DNS name, never an IP literal.
    var serverNameIndication: String? {
        let isIPv4 = host.allSatisfy { $0.isNumber || $0 == "." }
        return host.contains(":") || isIPv4 ? nil : host
    }
}

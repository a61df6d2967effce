import KESCore
import NIOHTTP1

/// The client address a trusted proxy reports in `X-Forwarded-For`, read as KES reads it.
enum ForwardedFor {
    /// The first entry of the first `X-Forwarded-For` header (the client; later entries are
    /// proxies), without a port, in canonical form. nil when absent, `unknown`, or no IP
    /// address: the audit event then shows the proxy's address.
    static func clientIP(_ headers: HTTPHeaders) -> String? {
        guard let value = headers.first(name: "X-Forwarded-For") else { return nil }
        let first = trimmed(value.prefix { $0 != "," })
        guard first != "unknown", let bytes = IPAddressText.parse(String(hostPart(first))) else { return nil }
        return IPAddressText.format(bytes)
    }

    /// `[::1]:8080` → `::1`, `10.0.0.1:8080` → `10.0.0.1`; a bare IPv6 address has several colons
    /// and no port.
    private static func hostPart(_ text: Substring) -> Substring {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let rest = text[text.index(after: close)...]
            return rest.isEmpty || rest.hasPrefix(":") ? text[text.index(after: text.startIndex)..<close] : text
        }
        if let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].firstIndex(of: ":") == nil {
            return text[..<colon]
        }
        return text
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}

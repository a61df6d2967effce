import Foundation
import NIOCore
import NIOHTTP1

/// One request, built once and sent unchanged on every connection. The body buffer is shared
/// copy-on-write, so sending it again costs no copy.
struct RequestTemplate: Sendable {
    private(set) var head: HTTPRequestHead
    let body: ByteBuffer?
    /// A `Host` given with `-H` is sent to every server as it is.
    private var hostIsFixed = false

    init(method: HTTPMethod, path: String, body: [UInt8]?, authority: String, extraHeaders: [(String, String)]) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: authority)
        headers.add(name: "User-Agent", value: "kes-bench")
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.count))
        } else if method == .POST || method == .PUT {
            headers.add(name: "Content-Length", value: "0")
        }
        for (name, value) in extraHeaders {
            // A user-supplied header replaces ours of the same name rather than doubling it.
            headers.replaceOrAdd(name: name, value: value)
        }
        self.head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
        self.body = body.map { ByteBuffer(bytes: $0) }
        hostIsFixed = extraHeaders.contains { $0.0.lowercased() == "host" }
    }

    /// The same request for another server: only its `Host` differs.
    func addressed(to authority: String) -> RequestTemplate {
        guard !hostIsFixed else { return self }
        var copy = self
        copy.head.headers.replaceOrAdd(name: "Host", value: authority)
        return copy
    }

    /// Splits `Name: value` as given to `-H`.
    static func parseHeader(_ text: String) -> (String, String)? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : (name, value)
    }
}

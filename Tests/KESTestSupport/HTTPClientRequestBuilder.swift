import AsyncHTTPClient
import NIOHTTP1

/// Plain HTTP requests to a backend's own API (e.g. OpenBao's sys/ endpoints) in fixtures.
public enum HTTPClientRequestBuilder {
    public static func make(url: String, method: String, token: String? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        if let token { request.headers.add(name: "X-Vault-Token", value: token) }
        return request
    }
}

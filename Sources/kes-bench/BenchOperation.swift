import KESCore
import NIOHTTP1

/// What each request does. The KES operations build their own request; `raw` sends whatever
/// `--method/--path/--body` say, for peers that do not speak the KES API.
enum BenchOperation: String, CaseIterable, Sendable {
    case generate, encrypt, decrypt, hmac, status, raw

    /// The KES request for this operation. `ciphertext` is needed by `decrypt` only.
    func kesRequest(keyName: String, context: [UInt8]?, plaintextSize: Int, ciphertext: String?)
        -> (method: HTTPMethod, path: String, body: [UInt8]?)
    {
        let contextField = context.map { #","context":""# + Base64.encode($0) + #"""# } ?? ""
        switch self {
        case .generate:
            return (.POST, "/v1/key/generate/\(keyName)", json(context.map { #"{"context":""# + Base64.encode($0) + #""}"# } ?? "{}"))
        case .encrypt:
            let plaintext = Base64.encode([UInt8](repeating: 0x42, count: plaintextSize))
            return (.POST, "/v1/key/encrypt/\(keyName)", json(#"{"plaintext":""# + plaintext + #"""# + contextField + "}"))
        case .decrypt:
            return (.POST, "/v1/key/decrypt/\(keyName)", json(#"{"ciphertext":""# + (ciphertext ?? "") + #"""# + contextField + "}"))
        case .hmac:
            // Later KES versions register PUT for this route (and accept POST).
            let message = Base64.encode([UInt8](repeating: 0x42, count: plaintextSize))
            return (.PUT, "/v1/key/hmac/\(keyName)", json(#"{"message":""# + message + #""}"#))
        case .status:
            return (.GET, "/v1/status", nil)
        case .raw:
            preconditionFailure("raw requests come from --method/--path/--body")
        }
    }

    private func json(_ text: String) -> [UInt8] { Array(text.utf8) }
}

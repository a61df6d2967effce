import KESCore

/// A request body as KES clients send it (`{"plaintext":"…","context":"…"}`), read the
/// way Go's encoding/json reads it: field names match case-insensitively, unknown fields
/// are ignored, `null` means absent, and byte fields are standard padded base64.
struct JSONBody {
    private let object: JSONObjectFields?

    /// An empty body reads as `{}` (current KES accepts it).
    init(_ bytes: [UInt8]) throws(RequestError) {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            object = nil
            return
        }
        guard let object = JSONObjectFields(parsing: bytes) else {
            throw RequestError.badRequest("invalid request body: not a well-formed JSON object")
        }
        self.object = object
    }

    /// The string field `name`; absent or null is nil.
    func string(_ name: String) throws(RequestError) -> String? {
        switch object?.value(for: name) {
        case .none, .null?: return nil
        case .string(let text)?: return text
        case .other?: throw RequestError.badRequest("invalid request body: '\(name)' must be a string")
        }
    }

    /// The base64 byte field `name`; absent or null is empty.
    func bytes(_ name: String) throws(RequestError) -> [UInt8] {
        guard let text = try string(name) else { return [] }
        guard let bytes = Base64.decode(text) else {
            throw RequestError.badRequest("invalid request body: '\(name)' is not valid base64")
        }
        return bytes
    }
}

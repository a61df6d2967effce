import Foundation
import KESCore

/// Wraps stored keys with a Vault Transit key (`keystore.vault.transit`), in the layout KES uses:
/// the secret's field holds Transit's ciphertext (`vault:v<version>:<base64>`) of the key text
/// instead of the key text itself, so one mount can be shared with KES in either direction.
struct VaultTransit: Sendable, Equatable {
    let engine: String
    let key: String

    init(_ config: VaultKeyStoreConfig.Transit) {
        engine = config.engine.isEmpty ? "transit" : config.engine
        key = config.key
    }

    var encryptLocation: String { VaultLayout.join(engine, "encrypt", key) }
    var decryptLocation: String { VaultLayout.join(engine, "decrypt", key) }

    /// Transit takes and returns its plaintext as base64.
    func encryptRequest(_ value: [UInt8]) -> [UInt8] {
        Array(#"{"plaintext":"\#(Data(value).base64EncodedString())"}"#.utf8)
    }

    func decryptRequest(_ ciphertext: String) throws -> [UInt8] {
        Array(try JSONEncoder.kes.encode(["ciphertext": ciphertext]))
    }

    /// The ciphertext in an encrypt answer; nil when the answer is not Transit's.
    func ciphertext(in response: VaultResponse) -> String? {
        guard let data = response.jsonObject()?["data"] as? [String: Any],
              let ciphertext = data["ciphertext"] as? String,
              Self.isWrapped(ciphertext)
        else { return nil }
        return ciphertext
    }

    /// The unwrapped key in a decrypt answer; nil when the answer is not Transit's.
    func plaintext(in response: VaultResponse) -> [UInt8]? {
        guard let data = response.jsonObject()?["data"] as? [String: Any],
              let plaintext = data["plaintext"] as? String,
              let bytes = Data(base64Encoded: plaintext)
        else { return nil }
        return Array(bytes)
    }

    /// True for Transit ciphertext: `vault:v` and a key version, then `:`. A stored key in KES's
    /// own formats (JSON or base64) can never start this way, so the prefix tells wrapped from plain.
    /// A rotated Transit key yields `v2`, `v3`, …, and those are read as well.
    static func isWrapped(_ value: String) -> Bool {
        guard value.hasPrefix("vault:v") else { return false }
        let rest = value.utf8.dropFirst("vault:v".utf8.count)
        let digits = rest.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return !digits.isEmpty && rest.dropFirst(digits.count).first == UInt8(ascii: ":")
    }
}

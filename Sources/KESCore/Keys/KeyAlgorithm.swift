/// The AEAD scheme a master key uses (docs/formats.md, "Keys").
public enum KeyAlgorithm: Sendable, Hashable {
    /// HMAC-SHA256 key derivation, then AES-256-GCM.
    case aes256
    /// HChaCha20 key derivation, then ChaCha20-Poly1305.
    case chacha20

    /// Accepts "AES256", "AES256-GCM_SHA256", "ChaCha20", "XCHACHA20-POLY1305" (case-sensitive); nil otherwise.
    public init?(name: String) {
        switch name {
        case "AES256", "AES256-GCM_SHA256": self = .aes256
        case "ChaCha20", "XCHACHA20-POLY1305": self = .chacha20
        default: return nil
        }
    }

    /// Canonical name: "AES256" or "ChaCha20".
    public var name: String {
        switch self {
        case .aes256: "AES256"
        case .chacha20: "ChaCha20"
        }
    }

    /// The name as it appears inside a format A (legacy JSON) ciphertext.
    init?(legacyAEADName name: String) {
        switch name {
        case "AES-256-GCM-HMAC-SHA-256": self = .aes256
        case "ChaCha20Poly1305": self = .chacha20
        default: return nil  // includes the obsolete "AES-256-GCM", which no KES decrypts any more
        }
    }

    var legacyAEADName: String {
        switch self {
        case .aes256: "AES-256-GCM-HMAC-SHA-256"
        case .chacha20: "ChaCha20Poly1305"
        }
    }
}

import Crypto
import Foundation

/// A KES API key: `kes:v1:` + base64(0x00 ‖ 32-byte Ed25519 seed) (docs/formats.md, "Identities and API keys").
///
/// Clients turn it into a self-signed Ed25519 client certificate (see ``CertificateMinter``); the server only ever
/// sees that certificate, so the key's ``identity`` is the identity of the certificate's public key.
/// `description` shows the identity only, so an API key never ends up in a log by accident.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    static let prefix = "kes:v1:"
    static let ed25519Type: UInt8 = 0x00
    /// DER of SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (33 bytes) } up to the raw public key.
    static let ed25519SPKIPrefix: [UInt8] = [
        0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00,
    ]

    /// The secret text form, `kes:v1:…`.
    public let text: String
    public let privateKey: Curve25519.Signing.PrivateKey
    public let identity: Identity

    /// Parses the text form of an API key.
    public init(_ text: String) throws(APIKeyError) {
        guard text.hasPrefix(Self.prefix) else { throw .missingPrefix }
        guard let decoded = Data(base64Encoded: String(text.dropFirst(Self.prefix.count))) else {
            throw .invalidEncoding
        }
        guard decoded.count == 33 else { throw .invalidLength }
        guard decoded.first == Self.ed25519Type else { throw .unsupportedKeyType }
        let key: Curve25519.Signing.PrivateKey
        do {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: decoded.dropFirst())
        } catch {
            throw .invalidLength
        }
        self.init(text: text, privateKey: key)
    }

    private init(text: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.text = text
        self.privateKey = privateKey
        self.identity = Identity(subjectPublicKeyInfoDER: Self.ed25519SPKIPrefix + privateKey.publicKey.rawRepresentation)
    }

    /// A new API key from a fresh random Ed25519 seed.
    public static func random() -> APIKey {
        let key = Curve25519.Signing.PrivateKey()
        let encoded = Data([ed25519Type] + key.rawRepresentation).base64EncodedString()
        return APIKey(text: prefix + encoded, privateKey: key)
    }

    public var description: String { "APIKey(identity: \(identity))" }
    public var debugDescription: String { description }
}

/// Why an API key could not be parsed. Never contains the key text.
public enum APIKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingPrefix
    case invalidEncoding
    case invalidLength
    case unsupportedKeyType

    public var description: String {
        switch self {
        case .missingPrefix: "invalid API key: missing \"kes:v1:\" prefix"
        case .invalidEncoding: "invalid API key: not valid base64"
        case .invalidLength: "invalid API key: invalid length"
        case .unsupportedKeyType: "invalid API key: unsupported key type"
        }
    }
}

import Crypto

/// A caller identity.
///
/// For a TLS client this is the lowercase hex SHA-256 of its certificate's SubjectPublicKeyInfo
/// (docs/formats.md, "Identities and API keys").
/// In the config it may be any string (`disabled`, `_`, …); such values are compared byte for byte and can never
/// equal a real client's identity.
public struct Identity: Sendable, Hashable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// The identity of a public key, given as a complete SubjectPublicKeyInfo DER structure
    /// (algorithm identifier and BIT STRING, not just the key bits).
    public init(subjectPublicKeyInfoDER: [UInt8]) {
        self.init(hashing: subjectPublicKeyInfoDER[...])
    }

    init(hashing subjectPublicKeyInfo: ArraySlice<UInt8>) {
        self.rawValue = Hex.encode(SHA256.hash(data: subjectPublicKeyInfo))
    }

    /// True for the empty identity, which the server uses for "no usable certificate" and which never matches.
    public var isEmpty: Bool { rawValue.isEmpty }

    public var description: String { rawValue }

    public static func < (lhs: Identity, rhs: Identity) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

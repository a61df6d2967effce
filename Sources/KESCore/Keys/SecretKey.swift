import Crypto

/// A 32-byte master key and the AEAD scheme it is used with (docs/formats.md, "Keys").
public struct SecretKey: Sendable, Hashable {
    public static let size = 32

    public let algorithm: KeyAlgorithm
    /// False only for a key stored in the 2023 JSON format without an `algorithm`. Such a key
    /// predates per-key algorithms, so it opens ciphertexts of either algorithm, as the KES
    /// releases that wrote it did; every other key opens only ciphertexts of its own.
    public let algorithmIsStored: Bool
    /// Everything derived from the key bytes, built once and shared: a key is copied out of the
    /// cache on every request, and one reference is cheaper to copy than five.
    private let storage: Storage

    /// The raw key, exactly 32 bytes.
    public var bytes: [UInt8] { storage.bytes }
    /// Lowercase hex of the first 16 bytes of SHA-256(bytes): the key ID. Computed once, since every
    /// ciphertext carries it.
    public var id: String { storage.id }
    /// The key as swift-crypto holds it: every seal and open derives from it.
    var symmetricKey: SymmetricKey { storage.symmetricKey }
    /// HMAC-SHA256 already keyed with this key. Keying hashes two padded blocks; doing it once
    /// instead of per message saved about a twentieth of a generate's CPU.
    var keyedHMAC: HMAC<SHA256> { storage.keyedHMAC }

    private final class Storage: Sendable {
        let bytes: [UInt8]
        let id: String
        let symmetricKey: SymmetricKey
        let keyedHMAC: HMAC<SHA256>

        init(bytes: [UInt8]) {
            self.bytes = bytes
            self.id = Hex.encode(SHA256.hash(data: bytes).prefix(16))
            self.symmetricKey = SymmetricKey(data: bytes)
            self.keyedHMAC = HMAC<SHA256>(key: symmetricKey)
        }
    }

    public init(bytes: [UInt8], algorithm: KeyAlgorithm, algorithmIsStored: Bool = true) throws(KeyFormatError) {
        guard bytes.count == Self.size else {
            throw KeyFormatError(reason: "invalid key: key must be \(Self.size) bytes, not \(bytes.count)")
        }
        self.algorithm = algorithm
        self.algorithmIsStored = algorithmIsStored
        self.storage = Storage(bytes: bytes)
    }

    public static func == (lhs: SecretKey, rhs: SecretKey) -> Bool {
        lhs.algorithm == rhs.algorithm && lhs.algorithmIsStored == rhs.algorithmIsStored && lhs.bytes == rhs.bytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(algorithm)
        hasher.combine(algorithmIsStored)
        hasher.combine(bytes)
    }

    /// A new key from the system CSPRNG.
    public static func random(_ algorithm: KeyAlgorithm) -> SecretKey {
        // The size is correct by construction, so this cannot throw.
        try! SecretKey(bytes: randomBytes(count: size), algorithm: algorithm)
    }
}

extension SecretKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Names the key without revealing it, so that keys can be logged safely by accident.
    public var description: String { "SecretKey(\(algorithm.name), id: \(id))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["algorithm": algorithm, "id": id]) }
}

/// Bytes from the operating system's CSPRNG, through a small buffer (`RandomPool`).
func randomBytes(count: Int) -> [UInt8] {
    RandomPool.shared.bytes(count: count)
}

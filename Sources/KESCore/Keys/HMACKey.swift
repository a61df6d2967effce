import Crypto

/// The separate 32-byte key behind `/v1/key/hmac` (docs/compatibility.md, "HMAC"). It is not derived from the
/// encryption key; each stored key carries its own.
public struct HMACKey: Sendable, Hashable {
    public static let size = 32

    /// Shared, so that copying a key out of the cache is one reference.
    private let storage: Storage

    public var bytes: [UInt8] { storage.bytes }

    private final class Storage: Sendable {
        let bytes: [UInt8]
        /// Keyed once rather than per request: keying hashes two padded blocks.
        let keyedHMAC: HMAC<SHA256>

        init(bytes: [UInt8]) {
            self.bytes = bytes
            self.keyedHMAC = HMAC<SHA256>(key: SymmetricKey(data: bytes))
        }
    }

    public init(bytes: [UInt8]) throws(KeyFormatError) {
        guard bytes.count == Self.size else {
            throw KeyFormatError(reason: "invalid HMAC key: key must be \(Self.size) bytes, not \(bytes.count)")
        }
        self.storage = Storage(bytes: bytes)
    }

    public static func == (lhs: HMACKey, rhs: HMACKey) -> Bool {
        lhs.bytes == rhs.bytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
    }

    /// A new key from the system CSPRNG.
    public static func random() -> HMACKey {
        try! HMACKey(bytes: randomBytes(count: size))
    }

    /// HMAC-SHA256 of `message`, 32 bytes.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        var mac = storage.keyedHMAC
        mac.update(data: message)
        return Array(mac.finalize())
    }
}

extension HMACKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "HMACKey(SHA256)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

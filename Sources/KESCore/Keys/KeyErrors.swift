/// A key or stored-key value could not be read. `reason` never contains key material.
public struct KeyFormatError: Error, Sendable, CustomStringConvertible {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// Decryption failed. Deliberately carries no cause: KES answers every failure (bad format,
/// unknown algorithm, wrong key, wrong context, tampering) with the same message, so that a
/// client cannot use the error as an oracle.
public struct DecryptionError: Error, Sendable, CustomStringConvertible, Equatable {
    public init() {}

    public var description: String { "decryption failed: ciphertext is not authentic" }
}

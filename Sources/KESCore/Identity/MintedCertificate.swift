/// A freshly minted certificate with its private key, in the encodings callers write to disk or hand to TLS.
public struct MintedCertificate: Sendable {
    public let certificatePEM: String
    /// PKCS#8 (`-----BEGIN PRIVATE KEY-----`).
    public let privateKeyPEM: String
    public let certificateDER: [UInt8]
    /// The identity a KES server computes for this certificate.
    public let identity: Identity
}

import NIOSSL

/// TLS settings every swift-kes client shares.
public enum KESTLS {
    /// Signature algorithms a client accepts from the server. BoringSSL leaves Ed25519 out by
    /// default, yet `kes identity new` (here and in KES) makes Ed25519 server certificates.
    public static let signatureAlgorithms: [SignatureAlgorithm] = [
        .ed25519,
        .ecdsaSecp256R1Sha256, .ecdsaSecp384R1Sha384, .ecdsaSecp521R1Sha512,
        .rsaPssRsaeSha256, .rsaPssRsaeSha384, .rsaPssRsaeSha512,
        .rsaPkcs1Sha256, .rsaPkcs1Sha384, .rsaPkcs1Sha512,
    ]
}

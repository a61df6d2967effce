import NIOSSL

/// The signature algorithms swift-kes accepts from a TLS peer, server or client side.
public enum SignatureAlgorithms {
    /// BoringSSL leaves Ed25519 out by default, yet API keys (`kes:v1:`) always become Ed25519
    /// certificates and `kes identity new` makes Ed25519 server certificates. RSA PKCS#1 with SHA-1
    /// stays for TLS 1.2 clients that still sign with it, as Go's TLS stack (and so KES) allows.
    public static let accepted: [SignatureAlgorithm] = [
        .ed25519,
        .ecdsaSecp256R1Sha256, .ecdsaSecp384R1Sha384, .ecdsaSecp521R1Sha512,
        .rsaPssRsaeSha256, .rsaPssRsaeSha384, .rsaPssRsaeSha512,
        .rsaPkcs1Sha256, .rsaPkcs1Sha384, .rsaPkcs1Sha512, .rsaPkcs1Sha1,
    ]
}

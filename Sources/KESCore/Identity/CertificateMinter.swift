import Crypto
import Foundation
import SwiftASN1
import X509

/// Why a certificate could not be minted.
public enum CertificateMintError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidIPAddress(String)
    case invalidValidity
    case encodingFailed(String)

    public var description: String {
        switch self {
        case .invalidIPAddress(let text): "invalid IP address \"\(text)\""
        case .invalidValidity: "invalid certificate validity: must be positive"
        case .encodingFailed(let reason): "cannot create certificate: \(reason)"
        }
    }
}

/// Mints the self-signed certificates KES clients and the `kes` CLI create.
public enum CertificateMinter {
    /// Key algorithms for ``selfSigned(keyType:commonName:dnsNames:ipAddresses:validity:now:)``.
    /// RSA is not offered: swift-crypto's RSA lives in `_CryptoExtras`, which KESCore does not depend on.
    public enum KeyType: Sendable, Hashable {
        case ed25519, p256, p384
    }

    static let clientCertificateLifetime: TimeInterval = 90 * 24 * 60 * 60

    /// The client certificate a KES client derives from an API key (docs/formats.md, "Identities and API keys"):
    /// self-signed Ed25519, random serial < 2^128, CN = identity, valid now…now+90 days, digitalSignature, clientAuth,
    /// CA=false, no SANs.
    public static func clientCertificate(for apiKey: APIKey, now: Date = Date()) throws -> MintedCertificate {
        let notBefore = wholeSeconds(now)
        let extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.clientAuth])
            Critical(BasicConstraints.notCertificateAuthority)
        }
        return try mint(
            privateKey: Certificate.PrivateKey(apiKey.privateKey),
            commonName: apiKey.identity.rawValue,
            notBefore: notBefore,
            notAfter: notBefore + clientCertificateLifetime,
            extensions: extensions
        )
    }

    /// A self-signed certificate usable for both TLS client and server auth: for `kes identity new --key --cert`
    /// (Ed25519) and for the dev server (P-256, which every TLS client accepts). SANs come from `dnsNames` and
    /// `ipAddresses` (IPv4 or IPv6 text). A nil `commonName` means the identity of the certificate's own key.
    public static func selfSigned(
        keyType: KeyType,
        commonName: String?,
        dnsNames: [String],
        ipAddresses: [String],
        validity: Duration,
        now: Date = Date()
    ) throws -> MintedCertificate {
        guard validity > .zero else { throw CertificateMintError.invalidValidity }
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for text in ipAddresses {
            guard let bytes = IPAddressText.parse(text) else { throw CertificateMintError.invalidIPAddress(text) }
            names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
        }
        let extensions = try Certificate.Extensions {
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.clientAuth, .serverAuth])
            Critical(BasicConstraints.notCertificateAuthority)
            if !names.isEmpty {
                SubjectAlternativeNames(names)
            }
        }
        let notBefore = wholeSeconds(now)
        let seconds = TimeInterval(validity.components.seconds)
            + TimeInterval(validity.components.attoseconds) / 1e18
        let privateKey = newPrivateKey(keyType)
        return try mint(
            privateKey: privateKey,
            commonName: try commonName ?? identity(of: privateKey.publicKey).rawValue,
            notBefore: notBefore,
            notAfter: notBefore + seconds,
            extensions: extensions
        )
    }

    private static func identity(of publicKey: Certificate.PublicKey) throws -> Identity {
        var serializer = DER.Serializer()
        try serializer.serialize(publicKey)
        return Identity(subjectPublicKeyInfoDER: serializer.serializedBytes)
    }

    private static func newPrivateKey(_ type: KeyType) -> Certificate.PrivateKey {
        switch type {
        case .ed25519: Certificate.PrivateKey(Curve25519.Signing.PrivateKey())
        case .p256: Certificate.PrivateKey(P256.Signing.PrivateKey())
        case .p384: Certificate.PrivateKey(P384.Signing.PrivateKey())
        }
    }

    private static func mint(
        privateKey: Certificate.PrivateKey,
        commonName: String,
        notBefore: Date,
        notAfter: Date,
        extensions: Certificate.Extensions
    ) throws -> MintedCertificate {
        let name = try DistinguishedName { CommonName(commonName) }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: randomSerialNumber(),
            publicKey: privateKey.publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: name,
            subject: name,
            extensions: extensions,
            issuerPrivateKey: privateKey
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let der = serializer.serializedBytes
        return MintedCertificate(
            certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: try privateKey.serializeAsPEM().pemString,
            certificateDER: der,
            identity: try Identity(certificateDER: der)
        )
    }

    /// 128 random bits, as Go's x509 tooling uses; X509 adds a leading zero byte when needed to keep it positive.
    private static func randomSerialNumber() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Certificate.SerialNumber(bytes: bytes)
    }

    /// Certificates store whole seconds; X509 would round, which could put NotBefore after `now`.
    private static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}

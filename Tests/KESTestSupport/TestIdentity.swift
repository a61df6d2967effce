import Crypto
import Foundation
import KESCore
import SwiftASN1
import X509
import _CryptoExtras

/// A client certificate and key the tests present over mTLS.
public struct TestIdentity: Sendable {
    public let certificatePEM: String
    public let privateKeyPEM: String
    public let identity: Identity

    public init(certificatePEM: String, privateKeyPEM: String, identity: Identity) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.identity = identity
    }

    public static func apiKey(_ key: APIKey = .random()) throws -> TestIdentity {
        let minted = try CertificateMinter.clientCertificate(for: key)
        return TestIdentity(certificatePEM: minted.certificatePEM, privateKeyPEM: minted.privateKeyPEM, identity: key.identity)
    }

    public static func ecdsa() throws -> TestIdentity {
        let minted = try CertificateMinter.selfSigned(
            keyType: .p256, commonName: "ecdsa-client", dnsNames: [], ipAddresses: [], validity: .seconds(3600))
        return TestIdentity(certificatePEM: minted.certificatePEM, privateKeyPEM: minted.privateKeyPEM, identity: minted.identity)
    }

    public static func rsa() throws -> TestIdentity {
        let key = Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        let name = try DistinguishedName { CommonName("rsa-client") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now - 60, notValidAfter: now + 3600, issuer: name, subject: name,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions { try ExtendedKeyUsage([.clientAuth]) },
            issuerPrivateKey: key
        )
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return TestIdentity(
            certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: try key.serializeAsPEM().pemString,
            identity: try Identity(certificateDER: serializer.serializedBytes)
        )
    }
}

import Foundation
import SwiftASN1
import Testing
import X509
@testable import KESCore

@Suite struct CertificateMinterTests {
    let now = Date(timeIntervalSince1970: 1_760_000_000.75)

    @Test func clientCertificateHasTheAPIKeysIdentity() throws {
        let key = try APIKey("kes:v1:ADsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP+3+JSfx5Wq")
        let minted = try CertificateMinter.clientCertificate(for: key, now: now)
        #expect(minted.identity == key.identity)
        #expect(try Identity(certificateDER: minted.certificateDER) == key.identity)

        let certificate = try Certificate(derEncoded: minted.certificateDER)
        #expect(certificate.subject.description == "CN=\(key.identity.rawValue)")
        #expect(certificate.issuer == certificate.subject)
        #expect(certificate.signatureAlgorithm == .ed25519)
        #expect(certificate.notValidBefore == Date(timeIntervalSince1970: 1_760_000_000))
        #expect(certificate.notValidAfter == Date(timeIntervalSince1970: 1_760_000_000 + 90 * 86_400))
        #expect(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))

        let serial = certificate.serialNumber.bytes
        #expect(serial.count <= 17)
        #expect(serial.count < 17 || serial.first == 0)

        let extensions = certificate.extensions
        #expect(try extensions.keyUsage == KeyUsage(digitalSignature: true))
        #expect(try extensions.extendedKeyUsage == ExtendedKeyUsage([.clientAuth]))
        #expect(try extensions.basicConstraints == .notCertificateAuthority)
        #expect(try extensions.subjectAlternativeNames == nil)
        #expect(extensions[oid: .X509ExtensionID.keyUsage]?.critical == true)
        #expect(extensions[oid: .X509ExtensionID.basicConstraints]?.critical == true)
    }

    @Test func clientCertificatesDifferButKeepTheIdentity() throws {
        let key = APIKey.random()
        let first = try CertificateMinter.clientCertificate(for: key, now: now)
        let second = try CertificateMinter.clientCertificate(for: key, now: now)
        #expect(first.certificateDER != second.certificateDER)  // random serial
        #expect(first.identity == second.identity)
    }

    @Test func privateKeyPEMIsPKCS8AndMatchesTheCertificate() throws {
        let minted = try CertificateMinter.clientCertificate(for: APIKey.random(), now: now)
        #expect(minted.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(minted.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        let privateKey = try Certificate.PrivateKey(pemEncoded: minted.privateKeyPEM)
        let certificate = try Certificate(pemEncoded: minted.certificatePEM)
        #expect(privateKey.publicKey == certificate.publicKey)
        #expect(try Identity(certificateDER: CertificateFixtures.der(fromPEM: minted.certificatePEM)) == minted.identity)
    }

    /// Without a subject the common name is the identity of the certificate's own key, not of
    /// some other key minted first.
    @Test(arguments: [CertificateMinter.KeyType.ed25519, .p256])
    func selfSignedWithoutCommonNameNamesItsOwnIdentity(keyType: CertificateMinter.KeyType) throws {
        let minted = try CertificateMinter.selfSigned(
            keyType: keyType, commonName: nil, dnsNames: [], ipAddresses: [], validity: .seconds(3600), now: now)
        let certificate = try Certificate(derEncoded: minted.certificateDER)
        #expect(certificate.subject.description == "CN=\(minted.identity.rawValue)")
        #expect(try Identity(certificateDER: minted.certificateDER) == minted.identity)
    }

    @Test(arguments: [CertificateMinter.KeyType.ed25519, .p256, .p384])
    func selfSignedCertificate(keyType: CertificateMinter.KeyType) throws {
        let minted = try CertificateMinter.selfSigned(
            keyType: keyType, commonName: "localhost", dnsNames: ["localhost", "kes.example.com"],
            ipAddresses: ["127.0.0.1", "::1"], validity: .seconds(720 * 3600), now: now)
        let certificate = try Certificate(derEncoded: minted.certificateDER)
        #expect(certificate.subject.description == "CN=localhost")
        #expect(certificate.notValidBefore == Date(timeIntervalSince1970: 1_760_000_000))
        #expect(certificate.notValidAfter == Date(timeIntervalSince1970: 1_760_000_000 + 720 * 3600))
        #expect(certificate.publicKey.isValidSignature(certificate.signature, for: certificate))

        let extensions = certificate.extensions
        #expect(try extensions.extendedKeyUsage == ExtendedKeyUsage([.clientAuth, .serverAuth]))
        #expect(try extensions.basicConstraints == .notCertificateAuthority)
        let names = try #require(try extensions.subjectAlternativeNames)
        #expect(Array(names) == [
            .dnsName("localhost"), .dnsName("kes.example.com"),
            .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
        ])

        let privateKey = try Certificate.PrivateKey(pemEncoded: minted.privateKeyPEM)
        #expect(privateKey.publicKey == certificate.publicKey)
        #expect(minted.identity == (try Identity(certificateDER: minted.certificateDER)))
    }

    @Test func selfSignedWithoutNamesHasNoSANExtension() throws {
        let minted = try CertificateMinter.selfSigned(
            keyType: .ed25519, commonName: "client", dnsNames: [], ipAddresses: [], validity: .seconds(60), now: now)
        let certificate = try Certificate(derEncoded: minted.certificateDER)
        #expect(try certificate.extensions.subjectAlternativeNames == nil)
    }

    @Test func selfSignedRejectsBadInput() {
        #expect(throws: CertificateMintError.invalidIPAddress("300.0.0.1")) {
            try CertificateMinter.selfSigned(
                keyType: .p256, commonName: "x", dnsNames: [], ipAddresses: ["300.0.0.1"], validity: .seconds(60))
        }
        #expect(throws: CertificateMintError.invalidValidity) {
            try CertificateMinter.selfSigned(
                keyType: .p256, commonName: "x", dnsNames: [], ipAddresses: [], validity: .zero)
        }
    }
}

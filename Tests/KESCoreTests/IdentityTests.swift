import Testing
@testable import KESCore

@Suite struct IdentityTests {
    @Test func hashesTheWholeSubjectPublicKeyInfo() {
        // The Ed25519 SPKI of the first API-key vector (docs/formats.md, "Identities and API keys").
        let spki = hex("302a300506032b65700321005544769b58ae320497ee3fe8444080402b662a5bb219c08729d4803ced390df2")
        #expect(Identity(subjectPublicKeyInfoDER: spki).rawValue
            == "7bbffa635fc160ef8048a344a53aab54e472e5c654c6339a9cec9223301808c7")
    }

    @Test(arguments: [
        (CertificateFixtures.p256PEM, CertificateFixtures.p256Identity),
        (CertificateFixtures.rsa2048PEM, CertificateFixtures.rsa2048Identity),
        (CertificateFixtures.v1P256PEM, CertificateFixtures.v1P256Identity),
    ])
    func identityOfOpenSSLCertificate(pem: String, expected: String) throws {
        let identity = try Identity(certificateDER: CertificateFixtures.der(fromPEM: pem))
        #expect(identity.rawValue == expected)
    }

    @Test func malformedCertificatesThrow() {
        let der = CertificateFixtures.der(fromPEM: CertificateFixtures.p256PEM)
        for bad in [[], [0x30, 0x00], Array(der.dropLast(10)), der + [0x00], [0x04, 0x01, 0x00]] as [[UInt8]] {
            #expect(throws: CertificateIdentityError.malformedCertificate) {
                try Identity(certificateDER: bad)
            }
        }
        // A well-formed SEQUENCE that is not a certificate.
        let spki = hex("302a300506032b65700321005544769b58ae320497ee3fe8444080402b662a5bb219c08729d4803ced390df2")
        #expect(throws: CertificateIdentityError.malformedCertificate) {
            try Identity(certificateDER: spki)
        }
    }

    @Test func configStringsAreComparedVerbatim() {
        #expect(Identity("disabled") != Identity("Disabled"))
        #expect(Identity("").isEmpty)
        #expect(!Identity("_").isEmpty)
        #expect(Identity("a") < Identity("b"))
        #expect(Identity("abc").description == "abc")
    }

    private func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }
}

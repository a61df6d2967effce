import SwiftASN1

/// Why a certificate's identity could not be computed. Carries no certificate bytes.
public enum CertificateIdentityError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedCertificate

    public var description: String {
        switch self {
        case .malformedCertificate: "invalid client certificate: malformed DER"
        }
    }
}

extension Identity {
    /// The identity of a DER-encoded X.509 certificate.
    ///
    /// The SPKI is hashed exactly as it is encoded inside the certificate. Re-serialising a parsed public key could
    /// change its bytes (and swift-certificates' `subjectPublicKeyInfoBytes` holds only the key bits), which would
    /// give a different identity than KES computes.
    public init(certificateDER: [UInt8]) throws(CertificateIdentityError) {
        self.init(hashing: try Self.subjectPublicKeyInfo(inCertificateDER: certificateDER))
    }

    /// Walks Certificate → TBSCertificate → subjectPublicKeyInfo and returns that node's encoded bytes.
    static func subjectPublicKeyInfo(inCertificateDER der: [UInt8]) throws(CertificateIdentityError) -> ArraySlice<UInt8> {
        let root: ASN1Node
        do {
            root = try DER.parse(der)
        } catch {
            throw .malformedCertificate
        }
        guard root.identifier == .sequence, case .constructed(let certificateFields) = root.content else {
            throw .malformedCertificate
        }
        var certificate = certificateFields.makeIterator()
        guard let tbs = certificate.next(), tbs.identifier == .sequence, case .constructed(let tbsFields) = tbs.content
        else { throw .malformedCertificate }

        // TBSCertificate: [0] version (optional), serialNumber, signature, issuer, validity, subject, SPKI, …
        var fields = tbsFields.makeIterator()
        guard var field = fields.next() else { throw .malformedCertificate }
        if field.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            guard let next = fields.next() else { throw .malformedCertificate }
            field = next
        }
        for _ in 0..<5 {  // serialNumber → SPKI
            guard let next = fields.next() else { throw .malformedCertificate }
            field = next
        }
        guard field.identifier == .sequence, case .constructed(let spkiFields) = field.content else {
            throw .malformedCertificate
        }
        var spki = spkiFields.makeIterator()
        guard let algorithm = spki.next(), algorithm.identifier == .sequence,
              let key = spki.next(), key.identifier == .bitString,
              spki.next() == nil
        else { throw .malformedCertificate }
        return field.encodedBytes
    }
}

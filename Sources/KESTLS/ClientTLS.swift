import NIOSSL

/// Client-side TLS settings a backend uses to reach its server (`tls: {key, cert, ca}` in a
/// keystore section).
public struct ClientTLS: Sendable, Equatable {
    public var keyPath: String
    public var certPath: String
    /// A CA file or a directory of CA files; empty means the system roots.
    public var caPath: String
    /// Skip verification of the server certificate (tests and dev only).
    public var insecureSkipVerify: Bool

    public init(keyPath: String = "", certPath: String = "", caPath: String = "", insecureSkipVerify: Bool = false) {
        self.keyPath = keyPath
        self.certPath = certPath
        self.caPath = caPath
        self.insecureSkipVerify = insecureSkipVerify
    }

    /// The NIOSSL client configuration: client certificate, trusted CAs, accepted signatures.
    public func makeConfiguration() throws(TLSFileError) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.verifySignatureAlgorithms = SignatureAlgorithms.accepted
        if insecureSkipVerify {
            configuration.certificateVerification = .none
        }
        if !caPath.isEmpty {
            configuration.trustRoots = .certificates(try CertificateAuthorities.load(caPath))
        }
        switch (certPath.isEmpty, keyPath.isEmpty) {
        case (true, true):
            break
        case (false, false):
            configuration.certificateChain = try PEMFiles.certificates(certPath).map { .certificate($0) }
            configuration.privateKey = .privateKey(try PEMFiles.privateKey(keyPath))
        default:
            throw TLSFileError("invalid TLS config: 'key' and 'cert' must be set together")
        }
        return configuration
    }
}

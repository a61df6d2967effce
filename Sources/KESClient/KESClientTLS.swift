import KESTLS
import NIOSSL

/// TLS settings every swift-kes client shares.
public enum KESClientTLS {
    /// The client TLS configuration for talking to a KES server: the client certificate from
    /// `credentials` (minted for an API key), the server CA if given, and Ed25519 accepted.
    /// - Throws: `KESClientSetupError` naming what could not be used.
    public static func clientConfiguration(
        credentials: KESCredentials, serverCAPEM: String?, insecure: Bool
    ) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.verifySignatureAlgorithms = SignatureAlgorithms.accepted
        do {
            if let pem = try credentials.pem() {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(pem.certificate.utf8)).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(pem.key.utf8), format: .pem))
            }
            if let ca = serverCAPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8)))
            }
        } catch let error as KESClientSetupError {
            throw error
        } catch {
            throw KESClientSetupError("invalid client certificate, key or CA: \(error)")
        }
        if insecure { tls.certificateVerification = .none }
        return tls
    }
}

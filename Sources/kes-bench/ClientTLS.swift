import Foundation
import KESCore
import KESClient
import NIOSSL

/// The TLS client context: which certificate the benchmark presents and whether it checks the server's.
enum ClientTLS {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The client identity: an API key (turned into the Ed25519 certificate every KES client derives from it)
    /// or a certificate and key file. Neither means no client certificate.
    enum Credential {
        case apiKey(String)
        case files(certificate: String, key: String)
        case none
    }

    /// Returns the context and, when known, the identity a KES server will compute for us.
    static func makeContext(credential: Credential, insecure: Bool, caFile: String?) throws -> (NIOSSLContext, String?) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.verifySignatureAlgorithms = KESTLS.signatureAlgorithms
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        if insecure {
            tls.certificateVerification = .none
        } else if let caFile {
            tls.trustRoots = .file(caFile)
        }
        var identity: String?
        switch credential {
        case .apiKey(let text):
            let apiKey: APIKey
            do {
                apiKey = try APIKey(text)
            } catch {
                throw Failure(description: "\(error)")
            }
            let minted = try CertificateMinter.clientCertificate(for: apiKey)
            tls.certificateChain = [.certificate(try NIOSSLCertificate(bytes: minted.certificateDER, format: .der))]
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(minted.privateKeyPEM.utf8), format: .pem))
            identity = minted.identity.rawValue
        case .files(let certificatePath, let keyPath):
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
            } catch {
                throw Failure(description: "cannot read certificate '\(certificatePath)': \(error)")
            }
            guard let leaf = chain.first else { throw Failure(description: "no certificate in '\(certificatePath)'") }
            tls.certificateChain = chain.map { .certificate($0) }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
            } catch {
                throw Failure(description: "cannot read private key '\(keyPath)': \(error)")
            }
            identity = try? Identity(certificateDER: leaf.toDERBytes()).rawValue
        case .none:
            break
        }
        return (try NIOSSLContext(configuration: tls), identity)
    }
}

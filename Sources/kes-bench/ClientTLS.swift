import Foundation
import KESClient
import KESCore
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
        var tls: TLSConfiguration
        do {
            let credentials: KESCredentials = switch credential {
            case .apiKey(let text): try .apiKey(text)
            case .files(let certificate, let key): try .certificateFiles(certificate: certificate, privateKey: key)
            case .none: .none
            }
            let serverCA = insecure ? nil : try caFile.map { try String(contentsOfFile: $0, encoding: .utf8) }
            tls = try KESClientTLS.clientConfiguration(credentials: credentials, serverCAPEM: serverCA, insecure: insecure)
        } catch {
            throw Failure(description: "\(error)")
        }
        tls.applicationProtocols = ["http/1.1"]
        var identity: String?
        if case .certificate(let leaf)? = tls.certificateChain.first, let der = try? leaf.toDERBytes() {
            identity = try? Identity(certificateDER: der).rawValue
        }
        return (try NIOSSLContext(configuration: tls), identity)
    }
}

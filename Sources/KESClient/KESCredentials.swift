import Foundation
import KESCore

/// How a client proves its identity to the server over mutual TLS.
public enum KESCredentials: Sendable {
    /// A `kes:v1:` API key; the client mints its Ed25519 certificate from it at start-up
    /// (docs/formats.md, "Identities and API keys").
    case apiKey(APIKey)
    /// A PEM certificate (chain) and its PEM private key.
    case certificate(certificatePEM: String, privateKeyPEM: String)
    /// No client certificate: only `/version` answers.
    case none

    /// Parses a `kes:v1:` API key.
    public static func apiKey(_ text: String) throws -> KESCredentials {
        .apiKey(try APIKey(text))
    }

    /// Reads a PEM certificate and private key from files.
    public static func certificateFiles(certificate: String, privateKey: String) throws -> KESCredentials {
        func read(_ path: String) throws -> String {
            do {
                return try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw KESClientSetupError("cannot read '\(path)'")
            }
        }
        return .certificate(certificatePEM: try read(certificate), privateKeyPEM: try read(privateKey))
    }

    /// The certificate and key PEM to present, minting one for an API key.
    func pem() throws -> (certificate: String, key: String)? {
        switch self {
        case .apiKey(let key):
            let minted = try CertificateMinter.clientCertificate(for: key)
            return (minted.certificatePEM, minted.privateKeyPEM)
        case .certificate(let certificate, let key):
            return (certificate, key)
        case .none:
            return nil
        }
    }
}

/// A client could not be set up: unreadable files, bad PEM, no endpoints.
public struct KESClientSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

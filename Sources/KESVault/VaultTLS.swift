import Foundation
import KESConfig
import KESKeyStore
import NIOSSL

/// Builds the client TLS settings for an HTTPS Vault endpoint from `keystore.vault.tls`.
enum VaultTLS {
    /// - Throws: `KeyStoreError.failed` naming the file that could not be loaded.
    static func configuration(for tls: ClientTLS) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if tls.insecureSkipVerify {
            configuration.certificateVerification = .none
        }
        if !tls.caPath.isEmpty {
            configuration.trustRoots = .certificates(try loadCertificates(at: tls.caPath))
        }
        switch (tls.certPath.isEmpty, tls.keyPath.isEmpty) {
        case (true, true):
            break
        case (false, false):
            let chain = try loadPEMCertificates(file: tls.certPath)
            configuration.certificateChain = chain.map { .certificate($0) }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: tls.keyPath, format: .pem))
            } catch {
                throw KeyStoreError.failed("vault: failed to open '\(tls.keyPath)': \(error)")
            }
        default:
            throw KeyStoreError.failed("vault: invalid TLS config: 'key' and 'cert' must be set together")
        }
        return configuration
    }

    /// A CA file, or every PEM file directly inside a CA directory.
    private static func loadCertificates(at path: String) throws -> [NIOSSLCertificate] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw KeyStoreError.failed("vault: failed to open '\(path)': no such file or directory")
        }
        guard isDirectory.boolValue else { return try loadPEMCertificates(file: path) }

        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw KeyStoreError.failed("vault: failed to open '\(path)': \(error)")
        }
        var certificates: [NIOSSLCertificate] = []
        for entry in entries {
            let file = (path as NSString).appendingPathComponent(entry)
            var entryIsDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &entryIsDirectory),
                  !entryIsDirectory.boolValue
            else { continue }
            // Directories such as /etc/ssl/certs also hold non-PEM files; those are skipped.
            if let loaded = try? NIOSSLCertificate.fromPEMFile(file) {
                certificates += loaded
            }
        }
        if certificates.isEmpty {
            throw KeyStoreError.failed("vault: failed to open '\(path)': no PEM certificates found")
        }
        return certificates
    }

    private static func loadPEMCertificates(file: String) throws -> [NIOSSLCertificate] {
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(file)
            if certificates.isEmpty {
                throw KeyStoreError.failed("vault: failed to open '\(file)': no PEM certificates found")
            }
            return certificates
        } catch let error as KeyStoreError {
            throw error
        } catch {
            throw KeyStoreError.failed("vault: failed to open '\(file)': \(error)")
        }
    }
}

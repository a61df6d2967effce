import Foundation
import NIOSSL

/// Loads trusted CA certificates for `tls.ca` settings, server and client side alike.
public enum CertificateAuthorities {
    /// A CA file, or every PEM file directly inside a CA directory. Directories such as
    /// `/etc/ssl/certs` also hold files that are not PEM; those are skipped. A path that yields
    /// no certificate at all is an error: an empty trust list would reject every peer, or
    /// silently trust none of what the operator meant to trust.
    public static func load(_ path: String) throws(TLSFileError) -> [NIOSSLCertificate] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TLSFileError("failed to open '\(path)': no such file or directory")
        }
        guard isDirectory.boolValue else { return try PEMFiles.certificates(path) }

        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw TLSFileError("failed to open '\(path)': \(error)")
        }
        var certificates: [NIOSSLCertificate] = []
        for entry in entries {
            let file = (path as NSString).appendingPathComponent(entry)
            var entryIsDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &entryIsDirectory), !entryIsDirectory.boolValue else {
                continue
            }
            if let loaded = try? NIOSSLCertificate.fromPEMFile(file) {
                certificates += loaded
            }
        }
        guard !certificates.isEmpty else { throw TLSFileError("failed to open '\(path)': no PEM certificates found") }
        return certificates
    }
}

import NIOSSL

/// Reads PEM certificates and private keys from files, with errors that name the file.
public enum PEMFiles {
    /// Every certificate in a PEM file, leaf first; an empty file is an error.
    public static func certificates(_ path: String) throws(TLSFileError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw TLSFileError("failed to read certificate '\(path)': \(error)")
        }
        guard !certificates.isEmpty else { throw TLSFileError("no PEM certificate in '\(path)'") }
        return certificates
    }

    /// A PEM private key; `password` decrypts a legacy-encrypted key.
    public static func privateKey(_ path: String, password: String = "") throws(TLSFileError) -> NIOSSLPrivateKey {
        do {
            if password.isEmpty {
                return try NIOSSLPrivateKey(file: path, format: .pem)
            }
            let bytes = Array(password.utf8)
            return try NIOSSLPrivateKey(file: path, format: .pem) { (setter: NIOSSLPassphraseSetter<[UInt8]>) in
                setter(bytes)
            }
        } catch {
            throw TLSFileError("failed to read private key '\(path)': \(error)")
        }
    }
}

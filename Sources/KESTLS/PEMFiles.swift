import Foundation
import NIOSSL

/// Reads PEM certificates and private keys from files, with errors that name the file and say
/// what is wrong with it: NIOSSL's own errors (`failedToLoadCertificate`) tell an operator neither.
public enum PEMFiles {
    /// Every certificate in a PEM file, leaf first; a file without one is an error.
    public static func certificates(_ path: String) throws(TLSFileError) -> [NIOSSLCertificate] {
        let contents = try Self.contents(of: path, what: "certificate")
        let labels = PEMLabels(contents)
        guard !labels.all.isEmpty else { throw TLSFileError("certificate '\(path)' is not a PEM file") }
        guard labels.all.contains("CERTIFICATE") else {
            throw TLSFileError("no certificate in '\(path)'; it holds \(labels.described)")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(contents)
        } catch {
            throw TLSFileError("certificate '\(path)' is malformed")
        }
        guard !certificates.isEmpty else { throw TLSFileError("no certificate in '\(path)'") }
        return certificates
    }

    /// A PEM private key; `password` decrypts a legacy-encrypted key.
    public static func privateKey(_ path: String, password: String = "") throws(TLSFileError) -> NIOSSLPrivateKey {
        let contents = try Self.contents(of: path, what: "private key")
        let labels = PEMLabels(contents)
        guard !labels.all.isEmpty else { throw TLSFileError("private key '\(path)' is not a PEM file") }
        guard labels.all.contains(where: { $0.hasSuffix("PRIVATE KEY") }) else {
            throw TLSFileError("no private key in '\(path)'; it holds \(labels.described)")
        }
        let encrypted = labels.all.contains("ENCRYPTED PRIVATE KEY")
            || String(decoding: contents, as: UTF8.self).contains("Proc-Type: 4,ENCRYPTED")
        if encrypted && password.isEmpty {
            throw TLSFileError("private key '\(path)' is encrypted, but no password is set")
        }
        do {
            if password.isEmpty {
                return try NIOSSLPrivateKey(bytes: contents, format: .pem)
            }
            let bytes = Array(password.utf8)
            return try NIOSSLPrivateKey(bytes: contents, format: .pem) { (setter: NIOSSLPassphraseSetter<[UInt8]>) in
                setter(bytes)
            }
        } catch {
            if encrypted { throw TLSFileError("cannot decrypt private key '\(path)': wrong password") }
            throw TLSFileError("private key '\(path)' is malformed")
        }
    }

    /// Fails unless `key` belongs to `certificate`: TLS would otherwise fail only at the first
    /// handshake, or at startup with a message that names neither file.
    public static func requireMatchingKey(
        _ key: NIOSSLPrivateKey, keyPath: String, certificate: NIOSSLCertificate, certificatePath: String
    ) throws(TLSFileError) {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSFileError("the private key '\(keyPath)' does not match the certificate '\(certificatePath)'")
        }
    }

    /// The file's bytes; a failure says why in the words of strerror(3), e.g. "no such file or directory".
    private static func contents(of path: String, what: String) throws(TLSFileError) -> [UInt8] {
        let failure = { (code: Int32) in
            TLSFileError("cannot read \(what) '\(path)': \(String(cString: strerror(code)).lowercased())")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                return bytes
            } else if errno != EINTR {
                throw failure(errno)
            }
        }
    }
}

/// The labels of a PEM file's blocks (`CERTIFICATE`, `PRIVATE KEY`, …), in file order.
private struct PEMLabels {
    let all: [String]

    init(_ contents: [UInt8]) {
        let text = String(decoding: contents, as: UTF8.self)
        var labels: [String] = []
        var rest = text[...]
        while let begin = rest.range(of: "-----BEGIN ") {
            rest = rest[begin.upperBound...]
            guard let end = rest.range(of: "-----") else { break }
            labels.append(String(rest[..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        self.all = labels
    }

    var described: String {
        Array(Set(all)).sorted().map { "a \($0)" }.joined(separator: " and ")
    }
}

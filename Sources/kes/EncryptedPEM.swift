import Crypto
import Foundation
import KESCore
import _CryptoExtras

/// The password-protected private key `kes identity new --encrypt` writes: the PEM block with a
/// `Proc-Type: 4,ENCRYPTED` header and AES-256-CBC, as KES writes it. The server's `tls.password`
/// reads it (OpenSSL's legacy PEM encryption), and so does KES.
enum EncryptedPEM {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Encrypts the DER body of `pem` (a single unencrypted block) under `password`.
    static func encrypt(_ pem: String, password: String) throws(Failure) -> String {
        let notPEM = Failure(description: "the private key is not a PEM block")
        guard let begin = pem.range(of: "-----BEGIN ") else { throw notPEM }
        guard let labelEnd = pem.range(of: "-----\n", range: begin.upperBound..<pem.endIndex) else { throw notPEM }
        guard let end = pem.range(of: "-----END ", range: labelEnd.upperBound..<pem.endIndex) else { throw notPEM }
        let label = String(pem[begin.upperBound..<labelEnd.lowerBound])
        guard let der = Base64.decode(String(pem[labelEnd.upperBound..<end.lowerBound].filter { !$0.isWhitespace })) else {
            throw Failure(description: "the private key is not a PEM block")
        }
        var iv = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in iv.indices { iv[index] = UInt8.random(in: .min ... .max, using: &generator) }
        let ciphertext: Data
        do {
            let key = SymmetricKey(data: deriveKey(password: Array(password.utf8), salt: Array(iv[..<8]), count: 32))
            ciphertext = try AES._CBC.encrypt(der, using: key, iv: try AES._CBC.IV(ivBytes: iv))
        } catch {
            throw Failure(description: "cannot encrypt the private key: \(error)")
        }
        let ivHex = iv.map { String(format: "%02X", $0) }.joined()
        let body = Base64.encode(Array(ciphertext))
        var lines = ["-----BEGIN \(label)-----", "Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-256-CBC,\(ivHex)", ""]
        var rest = body[...]
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        lines.append("-----END \(label)-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// OpenSSL's EVP_BytesToKey with MD5 and one round, which the legacy PEM format prescribes:
    /// D_i = MD5(D_(i-1) || password || salt), concatenated.
    static func deriveKey(password: [UInt8], salt: [UInt8], count: Int) -> [UInt8] {
        var key: [UInt8] = []
        var previous: [UInt8] = []
        while key.count < count {
            var md5 = Insecure.MD5()
            md5.update(data: previous + password + salt)
            previous = Array(md5.finalize())
            key += previous
        }
        return Array(key.prefix(count))
    }
}

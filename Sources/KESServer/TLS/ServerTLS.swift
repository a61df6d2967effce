import Foundation
import KESConfig
import NIOSSL
import X509

/// Builds the server's TLS context from the config (kes-api.md §2.1–2.2, TARGET rule 12).
enum ServerTLS {
    struct Error: Swift.Error, CustomStringConvertible {
        let description: String
    }

    /// KES's TLS 1.2 suites: ECDHE with AEAD ciphers only.
    static let tls12Suites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        .TLS_AES_128_GCM_SHA256, .TLS_AES_256_GCM_SHA384, .TLS_CHACHA20_POLY1305_SHA256,
    ]

    /// Without `.ed25519` here, API-key certificates fail the handshake.
    static let clientSignatureAlgorithms: [SignatureAlgorithm] = [
        .ed25519,
        .ecdsaSecp256R1Sha256, .ecdsaSecp384R1Sha384, .ecdsaSecp521R1Sha512,
        .rsaPssRsaeSha256, .rsaPssRsaeSha384, .rsaPssRsaeSha512,
        .rsaPkcs1Sha256, .rsaPkcs1Sha384, .rsaPkcs1Sha512, .rsaPkcs1Sha1,
    ]

    static func makeContext(config: ServerTLSConfig, optionalClientCertificate: Bool) throws -> NIOSSLContext {
        guard !config.keyPath.isEmpty else { throw Error(description: "tls: no private key specified (tls.key)") }
        guard !config.certPath.isEmpty else { throw Error(description: "tls: no certificate specified (tls.cert)") }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(config.certPath)
        } catch {
            throw Error(description: "tls: failed to read certificate '\(config.certPath)': \(error)")
        }
        guard let leaf = chain.first else {
            throw Error(description: "tls: no certificate in '\(config.certPath)'")
        }
        try requireAddressSAN(leaf)
        let key = try loadPrivateKey(path: config.keyPath, password: config.password)

        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        tls.minimumTLSVersion = .tlsv12
        tls.maximumTLSVersion = .tlsv13
        tls.cipherSuiteValues = tls12Suites
        tls.verifySignatureAlgorithms = clientSignatureAlgorithms
        tls.applicationProtocols = ["http/1.1"]
        if config.auth {
            // `tls.auth: on`: the chain must verify against the system roots plus `tls.ca`.
            tls.certificateVerification = optionalClientCertificate ? .optionalVerification : .noHostnameVerification
            if !config.caPath.isEmpty {
                tls.additionalTrustRoots = try caRoots(config.caPath)
            }
        } else {
            tls.certificateVerification = optionalClientCertificate ? .optionalVerification : .noHostnameVerification
        }
        return try NIOSSLContext(configuration: tls)
    }

    private static func loadPrivateKey(path: String, password: String) throws -> NIOSSLPrivateKey {
        do {
            if password.isEmpty {
                return try NIOSSLPrivateKey(file: path, format: .pem)
            }
            let bytes = Array(password.utf8)
            return try NIOSSLPrivateKey(file: path, format: .pem) { (setter: NIOSSLPassphraseSetter<[UInt8]>) in
                setter(bytes)
            }
        } catch {
            throw Error(description: "tls: failed to read private key '\(path)': \(error)")
        }
    }

    /// KES refuses a server certificate without a DNS or IP SAN, since clients could never verify it.
    private static func requireAddressSAN(_ leaf: NIOSSLCertificate) throws {
        guard let der = try? leaf.toDERBytes(), let certificate = try? Certificate(derEncoded: der) else { return }
        let names = (try? certificate.extensions.subjectAlternativeNames) ?? nil
        let hasAddress = names?.contains { name in
            switch name {
            case .dnsName, .ipAddress: return true
            default: return false
            }
        } ?? false
        guard hasAddress else {
            throw Error(description: "invalid TLS certificate: certificate does not contain any DNS or IP address as SAN")
        }
    }

    private static func caRoots(_ path: String) throws -> [NIOSSLAdditionalTrustRoots] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Error(description: "tls: CA path '\(path)' does not exist")
        }
        if !isDirectory.boolValue { return [.file(path)] }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var certificates: [NIOSSLCertificate] = []
        for file in files.sorted() {
            if let found = try? NIOSSLCertificate.fromPEMFile((path as NSString).appendingPathComponent(file)) {
                certificates.append(contentsOf: found)
            }
        }
        return [.certificates(certificates)]
    }
}

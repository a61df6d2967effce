import KESTLS
import NIOCore
import NIOSSL
import X509

/// The server's certificate and how it checks clients, as built values.
public struct ServerTLSConfiguration: Sendable {
    public var certificateChain: [NIOSSLCertificate]
    public var privateKey: NIOSSLPrivateKey
    /// `tls.auth: on`: client chains must verify against the system roots plus `clientCAs`.
    /// Off (KES's default), any certificate passes the TLS layer and requests are authorized by
    /// identity (docs/compatibility.md, "TLS").
    public var verifiesClientChains: Bool
    public var clientCAs: [NIOSSLCertificate]

    public init(
        certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey,
        verifiesClientChains: Bool = false, clientCAs: [NIOSSLCertificate] = []
    ) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.verifiesClientChains = verifiesClientChains
        self.clientCAs = clientCAs
    }
}

/// Builds the NIOSSL context the listener uses.
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

    /// - Parameter optionalClientCertificate: some route skips authentication, so clients
    ///   without a certificate must get through the handshake.
    static func makeContext(_ configuration: ServerTLSConfiguration, optionalClientCertificate: Bool) throws -> NIOSSLContext {
        guard let leaf = configuration.certificateChain.first else {
            throw Error(description: "tls: no server certificate")
        }
        try requireAddressSAN(leaf)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: configuration.certificateChain.map { .certificate($0) },
            privateKey: .privateKey(configuration.privateKey)
        )
        tls.minimumTLSVersion = .tlsv12
        tls.maximumTLSVersion = .tlsv13
        tls.cipherSuiteValues = tls12Suites
        tls.verifySignatureAlgorithms = SignatureAlgorithms.accepted
        tls.applicationProtocols = ["http/1.1"]
        tls.certificateVerification = optionalClientCertificate ? .optionalVerification : .noHostnameVerification
        if configuration.verifiesClientChains, !configuration.clientCAs.isEmpty {
            tls.additionalTrustRoots = [.certificates(configuration.clientCAs)]
        }
        return try NIOSSLContext(configuration: tls)
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
}

extension Channel {
    /// Closes the socket at once, skipping TLS's close_notify exchange. A graceful TLS close
    /// waits up to NIOSSL's shutdown timeout (5 s) for the peer's reply, which a silent or
    /// hostile client never sends: each such close would hold the descriptor that long.
    func closeAbruptly() {
        eventLoop.execute {
            if let tls = try? self.pipeline.syncOperations.context(handlerType: NIOSSLServerHandler.self) {
                // A context's close goes to the handlers in front of it, here straight to the socket.
                tls.close(promise: nil)
            } else {
                self.close(promise: nil)
            }
        }
    }
}

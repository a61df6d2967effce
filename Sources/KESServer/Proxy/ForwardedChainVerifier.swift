import NIOSSL
import SwiftASN1
import X509

/// Checks a forwarded client certificate as `tls.auth: on` checks a direct client's chain at
/// the handshake: against the system roots plus `tls.ca`, for client authentication. Without
/// it, a proxy with `tls.auth: on` would let in any certificate its clients present.
struct ForwardedChainVerifier: Sendable {
    private let roots: CertificateStore

    /// - Throws: when a CA certificate NIOSSL accepted does not parse as X.509 here; verifying
    ///   without it would reject that CA's clients with an unexplained 403.
    private init(clientCAs: [NIOSSLCertificate]) throws {
        let authorities = try clientCAs.map { try Certificate(derEncoded: $0.toDERBytes()) }
        roots = CertificateStore.systemTrustRoots.appending(contentsOf: authorities)
    }

    /// The verifier for a listener, or nil when forwarded certificates need no check: there is no
    /// proxy, or client chains are not verified (`tls.auth: off`).
    static func make(verifyingClientChains: Bool, clientCAs: [NIOSSLCertificate], proxy: TLSProxy) throws(SettingsError)
        -> ForwardedChainVerifier?
    {
        guard verifyingClientChains, proxy.isEnabled else { return nil }
        do {
            return try ForwardedChainVerifier(clientCAs: clientCAs)
        } catch {
            throw SettingsError(message: "tls.ca: a CA certificate cannot be parsed to check forwarded client certificates: \(error)")
        }
    }

    /// A proxy forwards only the leaf, so the chain is built from the roots alone.
    func accepts(_ certificate: Certificate) async -> Bool {
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy()
            ClientAuthenticationUsage()
        }
        if case .validCertificate = await verifier.validate(leaf: certificate, intermediates: CertificateStore()) {
            return true
        }
        return false
    }
}

/// Go's verifier, which KES uses, requires client-auth usage of every certificate in the chain
/// that restricts its usage; RFC5280Policy does not look at extended key usage.
private struct ClientAuthenticationUsage: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [.X509ExtensionID.extendedKeyUsage]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        for certificate in chain {
            let usage: ExtendedKeyUsage?
            do {
                usage = try certificate.extensions.extendedKeyUsage
            } catch {
                return .failsToMeetPolicy(reason: "malformed extended key usage")
            }
            if let usage, !usage.contains(.clientAuth), !usage.contains(.any) {
                return .failsToMeetPolicy(reason: "not valid for client authentication")
            }
        }
        return .meetsPolicy
    }
}

import KESCore
import X509

/// Who a request speaks for: the connected peer, or the client a TLS proxy forwarded
/// (`TLSProxy`). Policies, `created_by`, self-describe and the audit event all use it.
struct Caller: Sendable {
    /// nil when there is no usable client certificate.
    var identity: Identity?
    /// The client's address for audit events; nil when unknown.
    var ip: String?
    /// The certificate a proxy forwarded. Under `tls.auth: on` its chain is checked before the
    /// request runs, as the handshake checks a direct client's chain.
    var forwardedCertificate: Certificate?

    init(identity: Identity? = nil, ip: String? = nil, forwardedCertificate: Certificate? = nil) {
        self.identity = identity
        self.ip = ip
        self.forwardedCertificate = forwardedCertificate
    }
}

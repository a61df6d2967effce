import KESCore
import NIOHTTP1

/// `tls.proxy`: TLS-terminating proxies in front of the server. A proxy connects with its own
/// client certificate and forwards the certificate of the client it speaks for in a header, so
/// that requests are authorized and audited as that client, not as the proxy.
public struct TLSProxy: Sendable, Equatable {
    /// The proxies' own identities. Empty: there is no proxy, every peer speaks for itself.
    public var identities: Set<Identity>
    /// The header with the client's certificate as URL-encoded PEM (nginx's
    /// `$ssl_client_escaped_cert`), e.g. `X-Tls-Client-Cert`. Matched case-insensitively.
    public var certificateHeader: String

    public init(identities: Set<Identity> = [], certificateHeader: String = "") {
        self.identities = identities
        self.certificateHeader = certificateHeader
    }

    public var isEnabled: Bool { !identities.isEmpty }

    /// Who a request from `peer` speaks for. Only a listed proxy is believed: from anyone else
    /// the certificate and `X-Forwarded-For` headers are ignored, or any client could claim to
    /// be the admin.
    ///
    /// KES's checks, in its order: the header must be there exactly once, and hold a PEM
    /// certificate; the client's address is the first `X-Forwarded-For` entry, else the
    /// proxy's own.
    /// - Throws: the 400 answers KES gives for a missing, repeated or broken certificate.
    func caller(for headers: HTTPHeaders, peer: Caller) throws(RequestError) -> Caller {
        guard isEnabled, let identity = peer.identity, identities.contains(identity) else { return peer }
        let values = headers[certificateHeader]
        guard values.count == 1, let value = values.first else {
            throw values.isEmpty ? RequestError.noCertificate : RequestError.tooManyCertificates
        }
        let forwarded = try ForwardedCertificate(headerValue: value)
        return Caller(
            identity: forwarded.identity, ip: ForwardedFor.clientIP(headers) ?? peer.ip,
            forwardedCertificate: forwarded.certificate)
    }
}

import KESCore
import KESTestSupport
import NIOHTTP1
import Testing

@testable import KESServer

/// How the headers of a TLS proxy are read: KES decodes the certificate with Go's
/// `url.QueryUnescape` and `pem.Decode`, and takes the client's address from `X-Forwarded-For`.
@Suite struct ForwardedHeaderTests {
    @Test(arguments: [
        ("a+b%20c", "a b c"),
        ("%2B%2F%3D%0A", "+/=\n"),
        ("%41%6a", "Aj"),
        ("plain", "plain"),
        ("", ""),
    ])
    func queryUnescape(input: String, expected: String) {
        #expect(ForwardedCertificate.queryUnescape(Array(input.utf8)) == Array(expected.utf8))
    }

    @Test(arguments: ["%", "%4", "%zz", "abc%g0"])
    func brokenPercentEncodingFails(input: String) {
        #expect(ForwardedCertificate.queryUnescape(Array(input.utf8)) == nil)
    }

    /// Text around the block and header lines are skipped; a malformed first candidate is
    /// passed over for the next block; only a `CERTIFICATE` block counts.
    @Test func firstPEMBlock() {
        func block(_ text: String) -> [UInt8]? {
            ForwardedCertificate.firstPEMBlock(Array(text.utf8), type: "CERTIFICATE")
        }
        #expect(block("-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n") == [1, 2, 3])
        #expect(block("junk\n-----BEGIN CERTIFICATE-----\r\nAQ ID\r\n-----END CERTIFICATE-----  \ntrailer") == [1, 2, 3])
        #expect(block("-----BEGIN CERTIFICATE-----\nComment: x\n\nAQID\n-----END CERTIFICATE-----\n") == [1, 2, 3])
        let broken = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n"
        let brokenThenGood = broken + "-----BEGIN CERTIFICATE-----\nBAUG\n-----END CERTIFICATE-----\n"
        #expect(block(brokenThenGood) == [4, 5, 6])
        #expect(block("-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n") == nil)
        #expect(block("-----BEGIN CERTIFICATE-----\nAQID\n-----END PRIVATE KEY-----\n") == nil)
        #expect(block("x -----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n") == nil)
        #expect(block("") == nil)
    }

    /// nginx's `$ssl_client_escaped_cert` of a real certificate gives that certificate's identity.
    @Test func aForwardedCertificateHasItsClientsIdentity() throws {
        for identity in [try TestIdentity.apiKey(), try TestIdentity.ecdsa(), try TestIdentity.rsa()] {
            let forwarded = try ForwardedCertificate(headerValue: ProxiedServer.escaped(identity.certificatePEM))
            #expect(forwarded.identity == identity.identity)
        }
    }

    @Test(arguments: [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 , 10.0.0.1", "203.0.113.7"),
        ("203.0.113.7:8080", "203.0.113.7"),
        ("[2001:db8::1]:8080", "2001:db8::1"),
        ("2001:DB8:0::1", "2001:db8::1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
    ])
    func forwardedFor(header: String, expected: String) {
        #expect(ForwardedFor.clientIP(HTTPHeaders([("X-Forwarded-For", header)])) == expected)
    }

    @Test(arguments: ["unknown", "unknown, 10.0.0.1", "example.com", "10.0.0.1.5", "", "fe80::1%eth0"])
    func unusableForwardedForIsIgnored(header: String) {
        #expect(ForwardedFor.clientIP(HTTPHeaders([("X-Forwarded-For", header)])) == nil)
    }

    /// Go's `Header.Get`: the first of several headers counts.
    @Test func theFirstForwardedForHeaderCounts() {
        let headers = HTTPHeaders([("X-Forwarded-For", "192.0.2.1"), ("x-forwarded-for", "192.0.2.2")])
        #expect(ForwardedFor.clientIP(headers) == "192.0.2.1")
        #expect(ForwardedFor.clientIP(HTTPHeaders()) == nil)
    }

    /// Without proxies, or from a peer that is not one, intake never looks at the headers.
    @Test func onlyAListedProxyIsBelieved() throws {
        let proxyIdentity = Identity(String(repeating: "a", count: 64))
        let proxy = TLSProxy(identities: [proxyIdentity], certificateHeader: "X-Tls-Client-Cert")
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/version")
        head.headers = HTTPHeaders([("Host", "kes"), ("X-Tls-Client-Cert", "garbage"), ("X-Forwarded-For", "192.0.2.1")])
        let stranger = Caller(identity: Identity(String(repeating: "b", count: 64)), ip: "127.0.0.1")

        let direct = RequestInProgress.intake(head, peer: stranger, proxy: proxy)
        #expect(direct.rejection == nil)
        #expect(direct.caller.identity == stranger.identity)
        #expect(direct.caller.ip == "127.0.0.1")

        let fromProxy = RequestInProgress.intake(head, peer: Caller(identity: proxyIdentity, ip: "127.0.0.2"), proxy: proxy)
        #expect(fromProxy.rejection?.error.message == "invalid client certificate")
        #expect(fromProxy.caller.identity == proxyIdentity)

        let noProxy = RequestInProgress.intake(head, peer: Caller(identity: proxyIdentity, ip: "127.0.0.2"))
        #expect(noProxy.rejection == nil)
    }
}

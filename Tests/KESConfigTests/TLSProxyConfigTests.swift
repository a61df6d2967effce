import KESConfig
import Testing

/// `tls.proxy` (docs/compatibility.md, "TLS proxies"): the proxies' identities and the header
/// that carries their clients' certificates.
@Suite struct TLSProxyConfigTests {
    static let proxyIdentity = String(repeating: "ab", count: 32)

    @Test func identitiesAreExpandedAndEmptyOnesSkipped() throws {
        let config = try parse(
            minimalConfig + """

                tls:
                  proxy:
                    identities:
                    - ${PROXY_IDENTITY}
                    - ""
                    - nginx-2
                    header:
                      cert: ${PROXY_HEADER}
                """, environment: ["PROXY_IDENTITY": Self.proxyIdentity, "PROXY_HEADER": "X-Tls-Client-Cert"])
        #expect(config.tls.proxyIdentities == [Self.proxyIdentity, "nginx-2"])
        #expect(config.tls.proxyCertHeader == "X-Tls-Client-Cert")
    }

    /// Without proxies the header name is not used, so KES's sample files with an empty list and
    /// any header (or none) keep loading.
    @Test func noProxyNeedsNoHeader() throws {
        let config = try parse(minimalConfig + "\ntls:\n  proxy:\n    identities: []\n")
        #expect(config.tls.proxyIdentities.isEmpty)
        #expect(config.tls.proxyCertHeader.isEmpty)
    }

    @Test func aProxyNeedsAHeaderName() {
        #expect(
            errorMessage(minimalConfig + "\ntls:\n  proxy:\n    identities: [nginx]\n")
                == "config: server.yaml: tls.proxy.header.cert: no header name, but tls.proxy.identities lists a proxy (e.g. X-Tls-Client-Cert)")
        #expect(
            errorMessage(minimalConfig + "\ntls:\n  proxy:\n    identities: [nginx]\n    header:\n      cert: \"\"\n")
                == "config: server.yaml: tls.proxy.header.cert: no header name, but tls.proxy.identities lists a proxy (e.g. X-Tls-Client-Cert)")
    }

    @Test func theHeaderNameMustBeAToken() {
        #expect(
            errorMessage(minimalConfig + "\ntls:\n  proxy:\n    identities: [nginx]\n    header:\n      cert: \"X Client: Cert\"\n")
                == "config: server.yaml: tls.proxy.header.cert: 'X Client: Cert' is not a valid HTTP header name")
    }

    /// A proxy speaks for others; as the admin or a policy member it would be both.
    @Test func aProxyIsNeitherAdminNorPolicyMember() {
        let header = "    header:\n      cert: X-Tls-Client-Cert\n"
        #expect(
            errorMessage(minimalConfig + "\ntls:\n  proxy:\n    identities: [nginx]\n" + header + "policy:\n  p:\n    identities: [nginx]\n")
                == "config: server.yaml: policy.p.identities: identity 'nginx' is already a TLS proxy identity")
        let admin = "admin:\n  identity: \(Self.proxyIdentity)\nkeystore:\n  fs:\n    path: /tmp/kes\n"
        #expect(
            errorMessage(admin + "tls:\n  proxy:\n    identities: [\(Self.proxyIdentity)]\n" + header)
                == "config: server.yaml: tls.proxy.identities[0]: identity '\(Self.proxyIdentity)' is already the admin identity")
    }
}

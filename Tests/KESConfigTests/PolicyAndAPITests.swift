import KESConfig
import Testing

@Suite struct PolicyAndAPITests {
    @Test func policiesAreSortedByName() throws {
        let config = try parse(minimalConfig + """

            policy:
              zeta:
                allow: [/v1/status]
              alpha:
                allow:
                - /v1/key/create/*
                deny:
                - /v1/key/*/internal*
                identities:
                - id-1
                - ""
                - id-2
              mid:
            """)
        #expect(config.policies.map(\.name) == ["alpha", "mid", "zeta"])
        #expect(config.policies[0] == PolicyConfig(name: "alpha", allow: ["/v1/key/create/*"], deny: ["/v1/key/*/internal*"], identities: ["id-1", "id-2"]))
        #expect(config.policies[1] == PolicyConfig(name: "mid"))
    }

    @Test func apiPathsGetALeadingSlash() throws {
        let config = try parse(minimalConfig + """

            api:
              v1/status:
                skip_auth: true
                timeout: 17s
              /v1/metrics:
                timeout: 0s
              /v1/key/create/:
                timeout: 1m
              /v1/api:
            """)
        #expect(config.api == [
            "/v1/status": APIRouteConfig(skipAuth: true, timeout: .seconds(17)),
            "/v1/metrics": APIRouteConfig(skipAuth: false, timeout: nil),
            "/v1/key/create/": APIRouteConfig(skipAuth: false, timeout: .seconds(60)),
            "/v1/api": APIRouteConfig(),
        ])
    }

    @Test(arguments: [("true", true), ("false", false), ("on", true), ("off", false), ("yes", true), ("\"true\"", true)])
    func skipAuthSpellings(value: String, expected: Bool) throws {
        let config = try parse(minimalConfig + "\napi:\n  /v1/ready:\n    skip_auth: \(value)\n")
        #expect(config.api["/v1/ready"]?.skipAuth == expected)
    }

    @Test func proxySettings() throws {
        let config = try parse(minimalConfig + """

            tls:
              key: server.key
              cert: server.crt
              proxy:
                identities:
                - proxy-1
                header:
                  cert: X-Tls-Client-Cert
            """)
        #expect(config.tls.proxyIdentities == ["proxy-1"])
        #expect(config.tls.proxyCertHeader == "X-Tls-Client-Cert")
        #expect(config.tls.keyPath == "server.key")
        #expect(config.tls.certPath == "server.crt")
    }
}

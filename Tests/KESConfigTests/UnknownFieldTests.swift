import KESConfig
import Testing

/// A misspelt key used to be ignored, leaving its setting at the default without a word.
@Suite struct UnknownFieldTests {
    @Test func misspeltTopLevelKeyNamesTheKeyAndTheLikelyOne() {
        #expect(errorMessage(minimalConfig + "\nadress: 127.0.0.1:7000\n")
            == "config: server.yaml: adress: unknown field; did you mean 'address'?")
        #expect(errorMessage(minimalConfig + "\nKeystore: {}\n")
            == "config: server.yaml: Keystore: unknown field; did you mean 'keystore'?")
        #expect(errorMessage(minimalConfig + "\npolciy:\n  p: {}\n")
            == "config: server.yaml: polciy: unknown field; did you mean 'policy'?")
    }

    @Test func unrelatedTopLevelKeyListsTheKnownOnes() throws {
        let message = try #require(errorMessage(minimalConfig + "\nunseal: yes\n"))
        #expect(message.hasPrefix("config: server.yaml: unseal: unknown field; expected one of 'version', 'address', "), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test func everyKnownTopLevelKeyIsAccepted() {
        #expect(errorMessage("""
            version: v1
            address: 0.0.0.0:7373
            admin: {identity: disabled}
            tls: {key: k.pem, cert: c.pem, password: "", auth: off, ca: ca.pem, proxy: {identities: [], header: {cert: X-Cert}}}
            cache: {expiry: {any: 5m, unused: 30s, offline: 0s}}
            log: {error: on, audit: off}
            policy: {p: {allow: [/v1/status]}}
            api: {/v1/status: {skip_auth: false}}
            keys: [{name: k}]
            keystore: {fs: {path: /tmp/kes}}
            http: {}
            """) == nil)
    }

    @Test func unknownKeysInFixedSections() {
        let cases: [(String, String)] = [
            ("admin: {identity: disabled, identites: []}\nkeystore: {fs: {path: /tmp/kes}}\n",
             "admin.identites: unknown field; did you mean 'identity'?"),
            (minimalConfig + "\ntls: {crt: c.pem}\n", "tls.crt: unknown field; did you mean 'cert'?"),
            (minimalConfig + "\ntls: {proxy: {identites: []}}\n", "tls.proxy.identites: unknown field; did you mean 'identities'?"),
            (minimalConfig + "\ntls: {proxy: {header: {certificate: X}}}\n", "tls.proxy.header.certificate: unknown field; expected one of 'cert'"),
            (minimalConfig + "\ncache: {expiri: {any: 1m}}\n", "cache.expiri: unknown field; did you mean 'expiry'?"),
            (minimalConfig + "\ncache: {expiry: {unsued: 1m}}\n", "cache.expiry.unsued: unknown field; did you mean 'unused'?"),
            (minimalConfig + "\nlog: {errors: off}\n", "log.errors: unknown field; did you mean 'error'?"),
        ]
        for (yaml, expected) in cases {
            #expect(errorMessage(yaml) == "config: server.yaml: " + expected)
        }
    }

    /// Backend and policy sections are left to their readers; KES's own files carry keys there
    /// that swift-kes does not use (vault `transit`).
    @Test func keyStoreAndPolicySectionsKeepUnknownKeys() {
        #expect(errorMessage("""
            admin: {identity: disabled}
            policy: {p: {allow: [/v1/status], comment: whatever}}
            keystore:
              vault:
                endpoint: https://vault:8200
                token: t
                status: {ping: 10s}
                transit: {key: k}
            """) == nil)
    }
}

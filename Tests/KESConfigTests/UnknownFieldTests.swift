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

    /// Key-store sections, policies, routes and declared keys are fixed too: a key swift-kes does
    /// not read would change where keys live or who may use them (a misspelt `deny` allows).
    @Test func nestedSectionsRejectUnknownKeys() {
        #expect(errorMessage(minimalConfig + "\npolicy: {p: {allow: [/v1/status], denny: [/v1/key/delete/*]}}\n")
            == "config: server.yaml: policy.p.denny: unknown field; did you mean 'deny'?")
        #expect(errorMessage(minimalConfig + "\napi: {/v1/ready: {skip_aut: true}}\n")
            == "config: server.yaml: api./v1/ready.skip_aut: unknown field; did you mean 'skip_auth'?")
        #expect(errorMessage(minimalConfig + "\nkeys: [{name: k, size: 256}]\n")
            == "config: server.yaml: keys[0].size: unknown field; expected one of 'name'")
        #expect(errorMessage("""
            admin: {identity: disabled}
            policy: {p: {allow: [/v1/status]}}
            keystore:
              vault:
                endpoint: https://vault:8200
                token: t
                status: {ping: 10s}
                transit: {engine: transit, key: k}
                approle: {namespace: /, id: a, secret: b}
            """) == "config: server.yaml: keystore.vault: more than one authentication method specified (approle, token)")
        let vault = "admin: {identity: disabled}\nkeystore:\n  vault:\n    endpoint: https://vault:8200\n    approle: {id: a, secret: b}\n"
        let cases: [(String, String)] = [
            (vault + "    verbose: true\n", "keystore.vault.verbose: unknown field; expected one of 'endpoint', "),
            (vault + "    transit: {key: k, mount: t}\n", "keystore.vault.transit.mount: unknown field; expected one of 'engine', 'key'"),
            (vault + "    status: {pings: 1s}\n", "keystore.vault.status.pings: unknown field; did you mean 'ping'?"),
            (vault + "    tls: {ca: a, insecure: true}\n", "keystore.vault.tls.insecure: unknown field; expected one of 'key', 'cert', 'ca'"),
            ("admin: {identity: disabled}\nkeystore:\n  vault:\n    endpoint: e\n    approle: {id: a, secret: b, namespac: n}\n",
             "keystore.vault.approle.namespac: unknown field; did you mean 'namespace'?"),
            ("admin: {identity: disabled}\nkeystore: {fs: {path: /k, mode: 0700}}\n", "keystore.fs.mode: unknown field; expected one of 'path'"),
            ("admin: {identity: disabled}\nkeystore: {aws: {secretsmanager: {region: r, kms_key: k}}}\n",
             "keystore.aws.secretsmanager.kms_key: unknown field; did you mean 'kmskey'?"),
            ("admin: {identity: disabled}\nkeystore: {aws: {secretsmanager: {region: r, credentials: {profile: p}}}}\n",
             "keystore.aws.secretsmanager.credentials.profile: unknown field; expected one of 'accesskey', 'secretkey', 'token'"),
            ("admin: {identity: disabled}\nkeystore: {kes: {endpoint: [https://a], tls: {cert: c, key: k, verify: no}}}\n",
             "keystore.kes.tls.verify: unknown field; expected one of 'key', 'cert', 'ca'"),
        ]
        for (yaml, expected) in cases {
            let message = errorMessage(yaml) ?? "no error"
            #expect(message.hasPrefix("config: server.yaml: " + expected), "\(message)")
        }
    }
}

import KESConfig
import Testing

@Suite struct ErrorMessageTests {
    @Test func listElementOfWrongType() {
        #expect(errorMessage(minimalConfig + """

            policy:
              minio:
                allow:
                - /v1/key/create/*
                - /v1/key/generate/*
                - {path: /v1/key/decrypt/*}
            """) == "config: server.yaml: policy.minio.allow[2]: expected a string")
    }

    @Test func invalidDuration() {
        #expect(errorMessage(minimalConfig + "\ncache:\n  expiry:\n    any: 5x\n")
            == "config: server.yaml: cache.expiry.any: invalid duration \"5x\"")
    }

    @Test func negativeDurations() {
        #expect(errorMessage(minimalConfig + "\ncache:\n  expiry:\n    offline: -1m\n")
            == "config: server.yaml: cache.expiry.offline: negative duration \"-1m\"")
        #expect(errorMessage(minimalConfig + "\napi:\n  /v1/status:\n    timeout: -5s\n")
            == "config: server.yaml: api./v1/status.timeout: negative duration \"-5s\"")
    }

    @Test func missingAdmin() {
        #expect(errorMessage("keystore:\n  fs:\n    path: /tmp/kes\n")
            == "config: server.yaml: admin.identity: no admin identity")
        #expect(errorMessage("admin:\n  identity: \"\"\nkeystore:\n  fs:\n    path: /tmp/kes\n")
            == "config: server.yaml: admin.identity: no admin identity")
    }

    @Test func obsoleteRootKeyFailsWithNoAdminIdentity() {
        #expect(errorMessage("""
            address: 0.0.0.0:7373
            root: disabled
            tls:
              key: ./private.key
              cert: ./public.crt
            keystore:
              fs:
                path: /tmp/kes
            """) == "config: server.yaml: admin.identity: no admin identity")
    }

    @Test func emptyFileFailsWithNoAdminIdentity() {
        #expect(errorMessage("") == "config: server.yaml: admin.identity: no admin identity")
        #expect(errorMessage("# only a comment\n") == "config: server.yaml: admin.identity: no admin identity")
    }

    @Test func keystoreCount() {
        #expect(errorMessage("admin:\n  identity: disabled\n")
            == "config: server.yaml: keystore: no keystore specified")
        #expect(errorMessage("""
            admin:
              identity: disabled
            keystore:
              fs:
                path: /tmp/kes
              vault:
                endpoint: https://vault:8200
            """) == "config: server.yaml: keystore: more than one keystore specified (fs, vault)")
    }

    @Test(arguments: ["gcp", "azure", "fortanix", "gemalto", "entrust"])
    func unsupportedKeystores(name: String) {
        #expect(errorMessage("""
            admin:
              identity: disabled
            keystore:
              \(name):
                something:
                  endpoint: https://example.com
            """) == "config: server.yaml: keystore.\(name): not supported by swift-kes; it supports fs, vault, aws.secretsmanager and kes")
    }

    @Test func yamlSyntaxErrorsCarryLineNumbers() throws {
        let message = try #require(errorMessage("""
            admin:
              identity: disabled
            keystore:
              fs:
                path: "/tmp/kes
            """))
        #expect(message.hasPrefix("config: server.yaml: line "), "\(message)")
        let tabs = try #require(errorMessage("admin:\n\tidentity: x\n"))
        #expect(tabs.hasPrefix("config: server.yaml: line 2, column 1: "), "\(tabs)")
        let badIndent = try #require(errorMessage("admin:\n  identity: x\n bad: y\n"))
        #expect(badIndent.hasPrefix("config: server.yaml: line 3, "), "\(badIndent)")
    }

    @Test func duplicateYAMLKeys() {
        #expect(errorMessage("admin:\n  identity: a\n  identity: b\n")
            == "config: server.yaml: line 2: duplicate key 'identity'")
    }

    @Test func version() {
        #expect(errorMessage("version: v2\n" + minimalConfig)
            == "config: server.yaml: version: unsupported config version \"v2\": only v1 is supported")
        #expect(errorMessage("version: 1\n" + minimalConfig)
            == "config: server.yaml: version: unsupported config version \"1\": only v1 is supported")
        #expect(errorMessage("version: v1\n" + minimalConfig) == nil)
    }

    @Test func apiPathsThatNormalizeToTheSamePath() {
        #expect(errorMessage(minimalConfig + """

            api:
              /v1/status:
                skip_auth: true
              v1/status:
                timeout: 5s
            """) == "config: server.yaml: api.v1/status: path '/v1/status' is configured more than once")
    }

    @Test func duplicateKeyNames() {
        #expect(errorMessage(minimalConfig + "\nkeys:\n- name: a\n- name: b\n- name: a\n")
            == "config: server.yaml: keys[2].name: key 'a' is defined more than once")
        #expect(errorMessage(minimalConfig + "\nkeys:\n- name: \"\"\n")
            == "config: server.yaml: keys[0].name: no key name")
    }

    @Test func oldStyleKeysSectionGetsAHint() {
        #expect(errorMessage("admin:\n  identity: disabled\nkeys:\n  fs:\n    path: /tmp/kes\n")
            == "config: server.yaml: keys: expected a list of {name: …}; the key store is configured under 'keystore:'")
    }

    @Test func logValues() throws {
        #expect(errorMessage(minimalConfig + "\nlog:\n  error: verbose\n")
            == "config: server.yaml: log.error: invalid value \"verbose\": expected on, off or a log level (debug, info, warn, error)")
        #expect(errorMessage(minimalConfig + "\nlog:\n  audit: info+x\n") != nil)
        // Current KES writes levels: a log is on when its events (errors at ERROR, audit at INFO) pass the level.
        func log(_ error: String, _ audit: String) throws -> (Bool, Bool) {
            let config = try parse(minimalConfig + "\nlog: {error: \"\(error)\", audit: \"\(audit)\"}\n")
            return (config.log.error, config.log.audit)
        }
        #expect(try log("warn", "info") == (true, true))
        #expect(try log("ERROR", "debug") == (true, true))
        #expect(try log("error+1", "warn") == (false, false))
        #expect(try log("on", "INFO+2") == (true, false))
        #expect(try log("8", "0") == (true, true))
        #expect(try log("off", "1") == (false, false))
    }

    @Test func tlsAuthValue() {
        #expect(errorMessage(minimalConfig + "\ntls:\n  auth: maybe\n")
            == "config: server.yaml: tls.auth: invalid value \"maybe\": expected on or off")
    }

    @Test func skipAuthMustBeBoolean() {
        #expect(errorMessage(minimalConfig + "\napi:\n  /v1/metrics:\n    skip_auth: sometimes\n")
            == "config: server.yaml: api./v1/metrics.skip_auth: expected a boolean (true or false), got \"sometimes\"")
    }

    @Test func sectionsOfWrongType() {
        #expect(errorMessage(minimalConfig + "\ntls: yes\n") == "config: server.yaml: tls: expected a mapping")
        #expect(errorMessage(minimalConfig + "\npolicy:\n  p:\n    - /v1/key/*\n")
            == "config: server.yaml: policy.p: expected a mapping")
        #expect(errorMessage(minimalConfig + "\npolicy:\n  p:\n    allow: /v1/key/*\n")
            == "config: server.yaml: policy.p.allow: expected a list")
        #expect(errorMessage("- a\n- b\n") == "config: server.yaml: expected a mapping at the top level")
        #expect(errorMessage("admin: disabled\n") == "config: server.yaml: admin: expected a mapping")
    }

    @Test func identityAssignments() {
        let base = "admin:\n  identity: root-id\nkeystore:\n  fs:\n    path: /tmp/kes\n"
        #expect(errorMessage(base + "policy:\n  a:\n    identities: [x]\n  b:\n    identities: [x]\n")
            == "config: server.yaml: policy.b.identities: identity 'x' is already assigned to policy 'a'")
        #expect(errorMessage(base + "policy:\n  a:\n    identities: [root-id]\n")
            == "config: server.yaml: policy.a.identities: identity 'root-id' is already the admin identity")
        #expect(errorMessage(base + "tls:\n  proxy:\n    identities: [p]\npolicy:\n  a:\n    identities: [p]\n")
            == "config: server.yaml: policy.a.identities: identity 'p' is already a TLS proxy identity")
        #expect(errorMessage(base + "tls:\n  proxy:\n    identities: [root-id]\n")
            == "config: server.yaml: tls.proxy.identities[0]: identity 'root-id' is already the admin identity")
    }

    @Test func fsNeedsPath() {
        #expect(errorMessage("admin: {identity: x}\nkeystore:\n  fs:\n    path: \"\"\n")
            == "config: server.yaml: keystore.fs.path: no path specified")
    }

    @Test func vaultAuthentication() {
        let head = "admin: {identity: x}\nkeystore:\n  vault:\n    endpoint: https://vault:8200\n"
        #expect(errorMessage(head)
            == "config: server.yaml: keystore.vault: no authentication method specified")
        #expect(errorMessage(head + "    approle: {id: a, secret: b}\n    kubernetes: {role: r, jwt: j}\n")
            == "config: server.yaml: keystore.vault: more than one authentication method specified (approle, kubernetes)")
        #expect(errorMessage(head + "    approle: {id: a, secret: b}\n    token: t\n")
            == "config: server.yaml: keystore.vault: more than one authentication method specified (approle, token)")
        #expect(errorMessage(head + "    approle: {id: a}\n")
            == "config: server.yaml: keystore.vault.approle.secret: no AppRole secret specified")
        #expect(errorMessage(head + "    approle: {secret: b}\n")
            == "config: server.yaml: keystore.vault.approle.id: no AppRole ID specified")
        #expect(errorMessage(head + "    kubernetes: {jwt: j}\n")
            == "config: server.yaml: keystore.vault.kubernetes.role: no Kubernetes role specified")
        #expect(errorMessage(head + "    kubernetes: {role: r}\n")
            == "config: server.yaml: keystore.vault.kubernetes.jwt: no Kubernetes JWT specified")
        #expect(errorMessage(head + "    token: t\n    version: v3\n")
            == "config: server.yaml: keystore.vault.version: invalid K/V engine version \"v3\": expected v1 or v2")
        #expect(errorMessage("admin: {identity: x}\nkeystore:\n  vault:\n    token: t\n")
            == "config: server.yaml: keystore.vault.endpoint: no endpoint specified")
        #expect(errorMessage(head + "    token: t\n    tls: {key: k.pem}\n")
            == "config: server.yaml: keystore.vault.tls.cert: no TLS certificate for the client private key")
    }

    @Test func awsAndKESRequiredFields() {
        #expect(errorMessage("admin: {identity: x}\nkeystore:\n  aws:\n    secretsmanager:\n      endpoint: e\n")
            == "config: server.yaml: keystore.aws.secretsmanager.region: no region specified")
        #expect(errorMessage("admin: {identity: x}\nkeystore:\n  aws:\n    secretsmanager:\n      region: r\n      credentials: {accesskey: AKIA}\n")
            == "config: server.yaml: keystore.aws.secretsmanager.credentials.secretkey: missing: accesskey and secretkey must be set together")
        #expect(errorMessage("admin: {identity: x}\nkeystore:\n  kes:\n    endpoint: []\n")
            == "config: server.yaml: keystore.kes.endpoint: no endpoint specified")
    }

    @Test func secretsDoNotAppearInErrors() throws {
        let message = try #require(errorMessage("""
            admin: {identity: x}
            keystore:
              vault:
                endpoint: https://vault:8200
                approle:
                  id: role-id
                  secret: [very-secret-value]
            """))
        #expect(message == "config: server.yaml: keystore.vault.approle.secret: expected a string")
        #expect(!message.contains("very-secret-value"))
    }

    @Test func loadReportsUnreadableFile() {
        do {
            _ = try ServerConfig.load(path: "/nonexistent/kes.yaml", environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "config: /nonexistent/kes.yaml: cannot read file: no such file")
        }
    }
}

import KESConfig
import KESFileStore
import KESVault
import Testing

@Suite struct EnvironmentExpansionTests {
    @Test func exactReferenceIsReplaced() throws {
        let config = try parse("""
            address: ${KES_ADDR}
            admin:
              identity: ${ KES_ADMIN }
            tls:
              key: "  ${KEY_FILE}  "
              auth: ${KES_AUTH}
            cache:
              expiry:
                any: ${EXPIRY}
            keystore:
              fs:
                path: ${KES_FS_PATH}
            """,
            environment: [
                "KES_ADDR": "127.0.0.1:7000", "KES_ADMIN": AdminIdentityTests.identity, "KEY_FILE": "/k.pem",
                "KES_AUTH": "on", "EXPIRY": "1m", "KES_FS_PATH": "/data/keys",
            ])
        #expect(config.address == "127.0.0.1:7000")
        #expect(config.adminIdentity == AdminIdentityTests.identity)
        #expect(config.tls.keyPath == "/k.pem")
        #expect(config.tls.auth)
        #expect(config.cache.expiryAny == .seconds(60))
        #expect(config.keystore.configuration as? FSKeyStoreConfig == FSKeyStoreConfig(path: "/data/keys"))
    }

    @Test func unsetVariableNamesFieldAndVariable() {
        #expect(errorMessage("""
            admin:
              identity: ${KES_ADMIN}
            keystore:
              fs:
                path: /tmp/kes
            """) == "config: server.yaml: admin.identity: environment variable 'KES_ADMIN' is not set")
        #expect(errorMessage(minimalConfig + "\npolicy:\n  p:\n    identities:\n    - ${MISSING}\n")
            == "config: server.yaml: policy.p.identities[0]: environment variable 'MISSING' is not set")
    }

    @Test func emptyValueIsStillSet() throws {
        let config = try parse(minimalConfig + "\ntls:\n  password: ${PW}\n", environment: ["PW": ""])
        #expect(config.tls.password == "")
    }

    @Test func partialInterpolationIsLiteral() throws {
        #expect(errorMessage("admin:\n  identity: prefix-${KES_ADMIN}\nkeystore:\n  fs:\n    path: /tmp/kes\n", environment: ["KES_ADMIN": "x"])
            == "config: server.yaml: admin.identity: invalid identity \"prefix-${KES_ADMIN}\": expected 64 lowercase hex digits, or 'disabled'")
        let config = try parse("""
            admin:
              identity: disabled
            tls:
              key: ${A}/${B}
              cert: ${A}${B}
            keystore:
              fs:
                path: $HOME/keys
            """, environment: ["KES_ADMIN": "x", "A": "a", "B": "b"])
        #expect(config.tls.keyPath == "${A}/${B}")
        #expect(config.tls.certPath == "${A}${B}")
        #expect(config.keystore.configuration as? FSKeyStoreConfig == FSKeyStoreConfig(path: "$HOME/keys"))
    }

    @Test func policyPatternsAreNotExpanded() throws {
        let config = try parse(minimalConfig + """

            policy:
              p:
                allow:
                - ${NOT_EXPANDED}
                deny:
                - "${ALSO_NOT}"
                identities:
                - ${ID}
            """, environment: ["ID": "some-identity"])
        #expect(config.policies == [PolicyConfig(name: "p", allow: ["${NOT_EXPANDED}"], deny: ["${ALSO_NOT}"], identities: ["some-identity"])])
    }

    @Test func secretsComeFromTheEnvironment() throws {
        let config = try parse("""
            admin: {identity: disabled}
            keystore:
              vault:
                endpoint: https://vault:8200
                approle:
                  id: ${VAULT_APPROLE_ID}
                  secret: ${VAULT_APPROLE_SECRET}
            """, environment: ["VAULT_APPROLE_ID": "id-1", "VAULT_APPROLE_SECRET": "s3cret"])
        guard let vault = config.keystore.configuration as? VaultKeyStoreConfig else {
            Issue.record("expected vault")
            return
        }
        #expect(vault.approle?.id == "id-1")
        #expect(vault.approle?.secret == "s3cret")
    }
}

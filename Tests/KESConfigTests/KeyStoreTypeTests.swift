import KESConfig
import Testing

/// A key-store name swift-kes does not serve used to fail as "no keystore specified".
@Suite struct KeyStoreTypeTests {
    static func config(_ keystore: String) -> String {
        "admin: {identity: disabled}\nkeystore:\n" + keystore
    }

    @Test func typoNamesTheTypeAndTheLikelyOne() {
        #expect(errorMessage(Self.config("  vualt: {endpoint: https://vault:8200, token: t}\n"))
            == "config: server.yaml: keystore.vualt: unknown key store; did you mean 'vault'?")
        #expect(errorMessage(Self.config("  aws:\n    secretmanager: {region: r}\n"))
            == "config: server.yaml: keystore.aws.secretmanager: unknown key store; did you mean 'secretsmanager'?")
    }

    @Test func unknownTypeListsTheSupportedOnes() {
        #expect(errorMessage(Self.config("  hsm: {endpoint: x}\n"))
            == "config: server.yaml: keystore.hsm: unknown key store; swift-kes supports fs, vault, aws.secretsmanager and kes")
        #expect(errorMessage(Self.config("  aws:\n    kms: {region: r}\n"))
            == "config: server.yaml: keystore.aws.kms: unknown key store; swift-kes supports fs, vault, aws.secretsmanager and kes")
    }

    /// Checked even when a supported store is configured too: the unknown one was meant to be used.
    @Test func unknownTypeNextToAKnownOne() {
        #expect(errorMessage(Self.config("  fs: {path: /tmp/kes}\n  valut: {endpoint: x}\n"))
            == "config: server.yaml: keystore.valut: unknown key store; did you mean 'vault'?")
    }

    @Test(arguments: ["gcp", "azure", "fortanix", "gemalto", "entrust", "encryptedfs", "credhub"])
    func kesStoresThatSwiftKESDoesNotServe(name: String) {
        #expect(errorMessage(Self.config("  \(name):\n    something: {endpoint: https://example.com}\n"))
            == "config: server.yaml: keystore.\(name): not supported by swift-kes; it supports fs, vault, aws.secretsmanager and kes")
    }
}

import KESVault

extension VaultKeyStoreConfig {
    /// OpenBao's dev layout, which these tests use throughout: K/V v2 at `secret/`, a static token.
    static func devSecrets(_ endpoint: String, token: String, prefix: String = "kes") -> VaultKeyStoreConfig {
        var config = VaultKeyStoreConfig(endpoint: endpoint)
        config.engine = "secret"
        config.kvVersion = .v2
        config.prefix = prefix
        config.token = token
        return config
    }
}

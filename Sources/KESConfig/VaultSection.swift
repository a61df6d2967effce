import KESVault

/// `keystore.vault` (docs/formats.md, "Key store layouts"), plus our `token` extension for dev Vault and OpenBao.
extension ConfigReader {
    func vaultConfig(_ field: ConfigField) throws(ConfigError) -> VaultKeyStoreConfig {
        let vault = try section(field)
        try rejectUnknownKeys(vault, known: [
            "endpoint", "engine", "version", "namespace", "prefix", "approle", "kubernetes", "transit", "tls", "status", "token",
        ])
        try rejectUnknownKeys(vault.child("status"), known: ["ping"])
        // KES takes one URL; the nodes of a cluster may be listed too, and are then failed over.
        var config = VaultKeyStoreConfig(endpoints: try endpointList(vault.child("endpoint")))
        config.engine = nonEmpty(try string(vault.child("engine"))) ?? config.engine
        config.kvVersion = try kvVersion(vault.child("version"))
        config.namespace = try string(vault.child("namespace")) ?? ""
        config.prefix = try string(vault.child("prefix")) ?? ""
        config.tls = try clientTLS(vault.child("tls"))
        config.statusPing = try nonZero(duration(try section(vault.child("status")).child("ping"))) ?? config.statusPing

        config.approle = try appRole(vault.child("approle"))
        config.kubernetes = try kubernetes(vault.child("kubernetes"))
        config.token = nonEmpty(try string(vault.child("token")))
        config.transit = try transit(vault.child("transit"))

        let methods = [
            config.approle.map { _ in "approle" },
            config.kubernetes.map { _ in "kubernetes" },
            config.token.map { _ in "token" },
        ].compactMap { $0 }
        if methods.isEmpty {
            throw error(field.path, "no authentication method specified")
        }
        if methods.count > 1 {
            throw error(field.path, "more than one authentication method specified (\(methods.joined(separator: ", ")))")
        }
        return config
    }

    private func kvVersion(_ field: ConfigField) throws(ConfigError) -> VaultKeyStoreConfig.KVVersion {
        guard let text = nonEmpty(try string(field)) else { return .v1 }
        guard let version = VaultKeyStoreConfig.KVVersion(rawValue: text) else {
            throw error(field.path, "invalid K/V engine version \"\(text)\": expected v1 or v2")
        }
        return version
    }

    private func appRole(_ field: ConfigField) throws(ConfigError) -> VaultKeyStoreConfig.AppRole? {
        if field.isAbsent { return nil }
        let approle = try section(field)
        try rejectUnknownKeys(approle, known: ["engine", "namespace", "id", "secret", "retry"])
        guard let id = nonEmpty(try string(approle.child("id"))) else {
            throw error(approle.child("id").path, "no AppRole ID specified")
        }
        guard let secret = nonEmpty(try string(approle.child("secret"))) else {
            throw error(approle.child("secret").path, "no AppRole secret specified")
        }
        var result = VaultKeyStoreConfig.AppRole(id: id, secret: secret)
        result.engine = nonEmpty(try string(approle.child("engine"))) ?? result.engine
        result.namespace = try string(approle.child("namespace")) ?? ""
        result.retry = nonZero(try duration(approle.child("retry"))) ?? result.retry
        return result
    }

    private func kubernetes(_ field: ConfigField) throws(ConfigError) -> VaultKeyStoreConfig.Kubernetes? {
        if field.isAbsent { return nil }
        let kubernetes = try section(field)
        try rejectUnknownKeys(kubernetes, known: ["engine", "namespace", "role", "jwt", "retry"])
        guard let role = nonEmpty(try string(kubernetes.child("role"))) else {
            throw error(kubernetes.child("role").path, "no Kubernetes role specified")
        }
        guard let jwt = nonEmpty(try string(kubernetes.child("jwt"))) else {
            throw error(kubernetes.child("jwt").path, "no Kubernetes JWT specified")
        }
        var result = VaultKeyStoreConfig.Kubernetes(role: role, jwt: jwt)
        result.engine = nonEmpty(try string(kubernetes.child("engine"))) ?? result.engine
        result.namespace = try string(kubernetes.child("namespace")) ?? ""
        result.retry = nonZero(try duration(kubernetes.child("retry"))) ?? result.retry
        return result
    }
}

extension ConfigReader {
    /// `transit: {engine, key}`; the key is required, since without it nothing could be wrapped.
    fileprivate func transit(_ field: ConfigField) throws(ConfigError) -> VaultKeyStoreConfig.Transit? {
        if field.isAbsent { return nil }
        let transit = try section(field)
        try rejectUnknownKeys(transit, known: ["engine", "key"])
        guard let key = nonEmpty(try string(transit.child("key"))) else {
            throw error(transit.child("key").path, "no transit key name specified")
        }
        return VaultKeyStoreConfig.Transit(engine: nonEmpty(try string(transit.child("engine"))) ?? "transit", key: key)
    }
}

/// KES reads a zero duration as "use the default".
func nonZero(_ value: Duration?) -> Duration? {
    guard let value, value != .zero else { return nil }
    return value
}

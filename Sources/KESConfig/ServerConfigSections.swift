/// The top-level walk over a config file: one method per section of the schema in docs/formats.md, "Config file".
/// Unknown keys are ignored, as KES ignores them.
extension ConfigReader {
    func serverConfig(_ root: ConfigField) throws(ConfigError) -> ServerConfig {
        if !root.isAbsent {
            guard case .mapping = root.node else { throw error("", "expected a mapping at the top level") }
        }

        if let version = try string(root.child("version")), !version.isEmpty, version != "v1" {
            throw error("version", "unsupported config version \"\(version)\": only v1 is supported")
        }

        // Checked first: a pre-2023 file with `root:` instead of `admin:` fails here,
        // which is the hint its owner needs.
        let adminIdentity = try string(try section(root.child("admin")).child("identity")) ?? ""
        if adminIdentity.isEmpty {
            throw error("admin.identity", "no admin identity")
        }

        let tls = try tlsConfig(root.child("tls"))
        let policies = try policyConfigs(root.child("policy"))
        try checkIdentityAssignments(admin: adminIdentity, tls: tls, policies: policies)

        return ServerConfig(
            address: nonEmpty(try string(root.child("address"))) ?? ServerConfig.defaultAddress,
            adminIdentity: adminIdentity,
            tls: tls,
            cache: try cacheConfig(root.child("cache")),
            log: try logConfig(root.child("log")),
            policies: policies,
            api: try apiConfig(root.child("api")),
            keys: try declaredKeys(root.child("keys")),
            keystore: try keyStoreSection(root.child("keystore"))
        )
    }

    func tlsConfig(_ field: ConfigField) throws(ConfigError) -> ServerTLSConfig {
        let tls = try section(field)
        let proxy = try section(tls.child("proxy"))
        return ServerTLSConfig(
            keyPath: try string(tls.child("key")) ?? "",
            certPath: try string(tls.child("cert")) ?? "",
            password: try string(tls.child("password")) ?? "",
            auth: try onOff(tls.child("auth")) ?? false,
            caPath: try string(tls.child("ca")) ?? "",
            proxyIdentities: try strings(proxy.child("identities")).filter { !$0.isEmpty },
            proxyCertHeader: try string(try section(proxy.child("header")).child("cert")) ?? ""
        )
    }

    func cacheConfig(_ field: ConfigField) throws(ConfigError) -> CacheConfig {
        let expiry = try section(try section(field).child("expiry"))
        // KES replaces 0 with the default for these two, so "0s" cannot disable them.
        let any = try duration(expiry.child("any")) ?? .zero
        let unused = try duration(expiry.child("unused")) ?? .zero
        return CacheConfig(
            expiryAny: any == .zero ? CacheConfig.defaultExpiryAny : any,
            expiryUnused: unused == .zero ? CacheConfig.defaultExpiryUnused : unused,
            expiryOffline: try duration(expiry.child("offline")) ?? .zero
        )
    }

    func logConfig(_ field: ConfigField) throws(ConfigError) -> LogConfig {
        let log = try section(field)
        return LogConfig(
            error: try onOff(log.child("error")) ?? true,
            audit: try onOff(log.child("audit")) ?? false
        )
    }

    /// `keys: [{name: …}]`. Before 2023 `keys:` held the key store, so a mapping there gets
    /// a hint instead of a bare type error.
    func declaredKeys(_ field: ConfigField) throws(ConfigError) -> [String] {
        if !field.isAbsent, case .mapping = field.node {
            throw error(field.path, "expected a list of {name: …}; the key store is configured under 'keystore:'")
        }
        var names: [String] = []
        var seen: Set<String> = []
        for element in try list(field) {
            guard case .mapping = element.node else {
                throw error(element.path, "expected a mapping with a 'name'")
            }
            let nameField = element.child("name")
            guard let name = try string(nameField), !name.isEmpty else {
                throw error(nameField.path, "no key name")
            }
            guard seen.insert(name).inserted else {
                throw error(nameField.path, "key '\(name)' is defined more than once")
            }
            names.append(name)
        }
        return names
    }
}

func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
}

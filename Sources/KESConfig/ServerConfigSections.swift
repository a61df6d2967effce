/// The top-level walk over a config file: one method per section of the schema in docs/formats.md, "Config file".
/// Unknown keys fail at the top level and in the fixed sections; inside key-store and policy sections they are ignored.
extension ConfigReader {
    /// Every top-level key. `http` is swift-kes's own section.
    static let topLevelKeys = ["version", "address", "admin", "tls", "cache", "log", "policy", "api", "keys", "keystore", "http"]

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
        try rejectUnknownKeys(root, known: Self.topLevelKeys)
        try rejectUnknownKeys(root.child("admin"), known: ["identity"])

        let tls = try tlsConfig(root.child("tls"))
        let policies = try policyConfigs(root.child("policy"))
        try checkIdentityAssignments(admin: adminIdentity, tls: tls, policies: policies)
        try checkProxyHeader(tls)

        let config = ServerConfig(
            address: try listenAddress(root.child("address")) ?? ServerConfig.defaultAddress,
            adminIdentity: adminIdentity,
            tls: tls,
            cache: try cacheConfig(root.child("cache")),
            log: try logConfig(root.child("log")),
            policies: policies,
            api: try apiConfig(root.child("api")),
            keys: try declaredKeys(root.child("keys")),
            keystore: try keyStoreSection(root.child("keystore")),
            http: try httpConfig(root.child("http"))
        )
        // Checked last, so that a file with a placeholder admin still reports its other mistakes first.
        try checkAdminIdentity(adminIdentity)
        return config
    }

    /// `address`, with its port checked: the listener would otherwise truncate 99999 to 16 bits.
    func listenAddress(_ field: ConfigField) throws(ConfigError) -> String? {
        guard let address = nonEmpty(try string(field)) else { return nil }
        if let problem = ListenAddress.problem(address) {
            throw error(field.path, problem)
        }
        return address
    }

    /// An identity that is not a SHA-256 in hex matches no certificate, so a typo would leave the
    /// server without an admin, silently. `disabled` (and `_`) say so on purpose.
    func checkAdminIdentity(_ identity: String) throws(ConfigError) {
        guard !ServerConfig.adminDisabledValues.contains(identity) else { return }
        let isHash = identity.utf8.count == 64 && identity.utf8.allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
        }
        guard isHash else {
            throw error("admin.identity", "invalid identity \"\(identity)\": expected 64 lowercase hex digits, or 'disabled'")
        }
    }

    func tlsConfig(_ field: ConfigField) throws(ConfigError) -> ServerTLSConfig {
        let tls = try section(field)
        let proxy = try section(tls.child("proxy"))
        try rejectUnknownKeys(tls, known: ["key", "cert", "password", "auth", "ca", "proxy"])
        try rejectUnknownKeys(proxy, known: ["identities", "header"])
        try rejectUnknownKeys(try section(proxy.child("header")), known: ["cert"])
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

    /// A proxy without a header name, or with one no request can carry, would have every request
    /// it forwards refused; KES starts anyway and answers each one 400.
    func checkProxyHeader(_ tls: ServerTLSConfig) throws(ConfigError) {
        guard !tls.proxyIdentities.isEmpty else { return }
        let header = tls.proxyCertHeader
        guard !header.isEmpty else {
            throw error("tls.proxy.header.cert", "no header name, but tls.proxy.identities lists a proxy (e.g. X-Tls-Client-Cert)")
        }
        let tokenCharacters = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        guard header.utf8.allSatisfy(tokenCharacters.contains) else {
            throw error("tls.proxy.header.cert", "'\(header)' is not a valid HTTP header name")
        }
    }

    func cacheConfig(_ field: ConfigField) throws(ConfigError) -> CacheConfig {
        let cache = try section(field)
        let expiry = try section(cache.child("expiry"))
        try rejectUnknownKeys(cache, known: ["expiry"])
        try rejectUnknownKeys(expiry, known: ["any", "unused", "offline"])
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
        try rejectUnknownKeys(log, known: ["error", "audit"])
        return LogConfig(
            error: try logSwitch(log.child("error"), eventLevel: .error) ?? true,
            audit: try logSwitch(log.child("audit"), eventLevel: .info) ?? false
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
            try rejectUnknownKeys(element, known: ["name"])
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

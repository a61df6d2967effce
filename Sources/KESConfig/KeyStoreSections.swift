import KESAWS
import KESChainStore
import KESFileStore
import KESKeyStore
import KESTLS
import KESVault

/// The `keystore:` section as read: which backend it names, and that backend's own configuration.
public struct KeyStoreSection: Sendable {
    /// The section's path under `keystore:`, e.g. `vault` or `aws.secretsmanager`.
    public let name: String
    public let configuration: any KeyStoreConfiguration

    public init(name: String, configuration: any KeyStoreConfiguration) {
        self.name = name
        self.configuration = configuration
    }
}

/// One key store the config file can name: where its section sits under `keystore:` and how
/// to read that section into the backend's configuration.
struct KeyStoreEntry: Sendable {
    let path: [String]
    let read: @Sendable (ConfigReader, ConfigField) throws(ConfigError) -> any KeyStoreConfiguration
}

/// `keystore:`: exactly one backend (docs/formats.md, "Key store layouts").
extension ConfigReader {
    /// Every backend the file can name. A new key store adds its line here.
    static let keyStores: [KeyStoreEntry] = [
        KeyStoreEntry(path: ["fs"]) { reader, field throws(ConfigError) in try reader.fsConfig(field) },
        KeyStoreEntry(path: ["vault"]) { reader, field throws(ConfigError) in try reader.vaultConfig(field) },
        KeyStoreEntry(path: ["aws", "secretsmanager"]) { reader, field throws(ConfigError) in try reader.awsConfig(field) },
        KeyStoreEntry(path: ["kes"]) { reader, field throws(ConfigError) in try reader.kesConfig(field) },
    ]

    /// Backends KES knows but this server does not implement; naming one is an error, not a no-op.
    static let unsupportedKeyStores = ["gcp", "azure", "fortanix", "gemalto", "entrust", "encryptedfs", "credhub"]

    /// The supported backends as the config file names them, for error messages.
    static var supportedKeyStoreNames: String {
        let names = keyStores.map { $0.path.joined(separator: ".") }
        return names.dropLast().joined(separator: ", ") + " and " + names.last!
    }

    func keyStoreSection(_ field: ConfigField) throws(ConfigError) -> KeyStoreSection {
        let keystore = try section(field)
        try rejectUnknownKeyStores(keystore)
        // A section counts when it has a value: `vault:` with nothing under it is "not set",
        // as in KES, where a null section leaves its pointer nil.
        var configured: [(name: String, field: ConfigField, entry: KeyStoreEntry?)] = []
        for entry in Self.keyStores {
            var node = keystore
            for (depth, key) in entry.path.enumerated() {
                node = depth == entry.path.count - 1 ? node.child(key) : try section(node.child(key))
            }
            if !node.isAbsent { configured.append((entry.path[0], node, entry)) }
        }
        for name in Self.unsupportedKeyStores where !keystore.child(name).isAbsent {
            configured.append((name, keystore.child(name), nil))
        }
        guard configured.count <= 1 else {
            throw error(field.path, "more than one keystore specified (\(configured.map(\.name).joined(separator: ", ")))")
        }
        guard let (_, node, entry) = configured.first else {
            throw error(field.path, "no keystore specified")
        }
        guard let entry else {
            throw error(node.path, "not supported by swift-kes; it supports \(Self.supportedKeyStoreNames)")
        }
        return KeyStoreSection(name: entry.path.joined(separator: "."), configuration: try entry.read(self, node))
    }

    /// A key-store name that no KES release knows is a typo or a wrong guess; without this check
    /// the file would fail with "no keystore specified", which hides the name that was meant.
    private func rejectUnknownKeyStores(_ keystore: ConfigField) throws(ConfigError) {
        let paths = Self.keyStores.map(\.path) + Self.unsupportedKeyStores.map { [$0] }
        try rejectUnknownKeyStores(keystore, depth: 0, among: paths)
    }

    private func rejectUnknownKeyStores(_ field: ConfigField, depth: Int, among paths: [[String]]) throws(ConfigError) {
        guard case .mapping(let mapping) = field.node else { return }
        let names = paths.map { $0[depth] }
        var seen: Set<String> = []
        for keyNode in mapping.keys {
            guard let key = keyNode.scalar?.string, seen.insert(key).inserted else { continue }
            let child = field.child(key)
            guard names.contains(key) else {
                let hint = closestMatch(to: key, among: Array(Set(names)).sorted()).map { "did you mean '\($0)'?" }
                    ?? "swift-kes supports \(Self.supportedKeyStoreNames)"
                throw error(child.path, "unknown key store; \(hint)")
            }
            let deeper = paths.filter { $0[depth] == key && $0.count > depth + 1 }
            if !deeper.isEmpty { try rejectUnknownKeyStores(child, depth: depth + 1, among: deeper) }
        }
    }

    func fsConfig(_ field: ConfigField) throws(ConfigError) -> FSKeyStoreConfig {
        let fs = try section(field)
        try rejectUnknownKeys(fs, known: ["path"])
        guard let path = nonEmpty(try string(fs.child("path"))) else {
            throw error(fs.child("path").path, "no path specified")
        }
        return FSKeyStoreConfig(path: path)
    }

    func awsConfig(_ field: ConfigField) throws(ConfigError) -> AWSSecretsManagerConfig {
        let aws = try section(field)
        try rejectUnknownKeys(aws, known: ["endpoint", "region", "kmskey", "credentials"])
        guard let region = nonEmpty(try string(aws.child("region"))) else {
            throw error(aws.child("region").path, "no region specified")
        }
        // KES 2023 required the endpoint; later releases derive it from the region.
        let endpoint = nonEmpty(try string(aws.child("endpoint"))) ?? "secretsmanager.\(region).amazonaws.com"
        var config = AWSSecretsManagerConfig(endpoint: endpoint, region: region)
        config.kmsKey = try string(aws.child("kmskey")) ?? ""
        let credentials = try section(aws.child("credentials"))
        try rejectUnknownKeys(credentials, known: ["accesskey", "secretkey", "token"])
        config.accessKey = try string(credentials.child("accesskey")) ?? ""
        config.secretKey = try string(credentials.child("secretkey")) ?? ""
        config.sessionToken = try string(credentials.child("token")) ?? ""
        if config.accessKey.isEmpty != config.secretKey.isEmpty {
            let missing = config.accessKey.isEmpty ? "accesskey" : "secretkey"
            throw error(credentials.child(missing).path, "missing: accesskey and secretkey must be set together")
        }
        return config
    }

    func kesConfig(_ field: ConfigField) throws(ConfigError) -> KESKeyStoreConfig {
        let kes = try section(field)
        try rejectUnknownKeys(kes, known: ["endpoint", "enclave", "api_key", "tls"])
        // KES takes a list; a single URL is accepted too because that is what people write.
        var config = KESKeyStoreConfig(endpoints: try endpointList(kes.child("endpoint")))
        config.enclave = try string(kes.child("enclave")) ?? ""
        config.apiKey = try string(kes.child("api_key")) ?? ""
        config.tls = try clientTLS(kes.child("tls"))
        return config
    }

    /// `endpoint:` as one URL or a list of them; at least one is required.
    func endpointList(_ field: ConfigField) throws(ConfigError) -> [String] {
        let endpoints: [String]
        if case .scalar = field.node, !field.isAbsent {
            endpoints = [try string(field) ?? ""].filter { !$0.isEmpty }
        } else {
            endpoints = try strings(field).filter { !$0.isEmpty }
        }
        guard !endpoints.isEmpty else {
            throw error(field.path, "no endpoint specified")
        }
        return endpoints
    }

    /// `tls: {key, cert, ca}` of a backend connection; key and cert come as a pair.
    func clientTLS(_ field: ConfigField) throws(ConfigError) -> ClientTLS {
        let tls = try section(field)
        try rejectUnknownKeys(tls, known: ["key", "cert", "ca"])
        let keyPath = try string(tls.child("key")) ?? ""
        let certPath = try string(tls.child("cert")) ?? ""
        if keyPath.isEmpty && !certPath.isEmpty {
            throw error(tls.child("key").path, "no TLS private key for the client certificate")
        }
        if certPath.isEmpty && !keyPath.isEmpty {
            throw error(tls.child("cert").path, "no TLS certificate for the client private key")
        }
        return ClientTLS(keyPath: keyPath, certPath: certPath, caPath: try string(tls.child("ca")) ?? "")
    }
}

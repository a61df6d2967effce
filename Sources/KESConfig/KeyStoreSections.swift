/// `keystore:`: exactly one backend (kes-api.md §7).
extension ConfigReader {
    /// Backends KES knows but this server does not implement.
    static let unsupportedKeyStores = ["gcp", "azure", "fortanix", "gemalto", "entrust"]

    func keyStoreConfig(_ field: ConfigField) throws(ConfigError) -> KeyStoreConfig {
        let keystore = try section(field)
        let aws = try section(keystore.child("aws"))
        // A section counts when it has a value: `vault:` with nothing under it is "not set",
        // as in KES, where a null section leaves its pointer nil.
        var configured: [String] = []
        for name in ["fs", "vault", "kes"] + Self.unsupportedKeyStores where !keystore.child(name).isAbsent {
            configured.append(name)
        }
        if !aws.child("secretsmanager").isAbsent {
            configured.append("aws")
        }
        guard configured.count <= 1 else {
            throw error(field.path, "more than one keystore specified (\(configured.joined(separator: ", ")))")
        }
        switch configured.first {
        case nil:
            throw error(field.path, "no keystore specified")
        case "fs":
            return .fs(try fsConfig(keystore.child("fs")))
        case "vault":
            return .vault(try vaultConfig(keystore.child("vault")))
        case "kes":
            return .kes(try kesConfig(keystore.child("kes")))
        case "aws":
            return .awsSecretsManager(try awsConfig(aws.child("secretsmanager")))
        case let name?:
            throw error(keystore.child(name).path, "not supported")
        }
    }

    func fsConfig(_ field: ConfigField) throws(ConfigError) -> FSKeyStoreConfig {
        let fs = try section(field)
        guard let path = nonEmpty(try string(fs.child("path"))) else {
            throw error(fs.child("path").path, "no path specified")
        }
        return FSKeyStoreConfig(path: path)
    }

    func awsConfig(_ field: ConfigField) throws(ConfigError) -> AWSSecretsManagerConfig {
        let aws = try section(field)
        guard let region = nonEmpty(try string(aws.child("region"))) else {
            throw error(aws.child("region").path, "no region specified")
        }
        // KES 2023 required the endpoint; later releases derive it from the region.
        let endpoint = nonEmpty(try string(aws.child("endpoint"))) ?? "secretsmanager.\(region).amazonaws.com"
        var config = AWSSecretsManagerConfig(endpoint: endpoint, region: region)
        config.kmsKey = try string(aws.child("kmskey")) ?? ""
        let credentials = try section(aws.child("credentials"))
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
        let endpointField = kes.child("endpoint")
        // KES takes a list; a single URL is accepted too because that is what people write.
        let endpoints: [String]
        if case .scalar = endpointField.node, !endpointField.isAbsent {
            endpoints = [try string(endpointField) ?? ""].filter { !$0.isEmpty }
        } else {
            endpoints = try strings(endpointField).filter { !$0.isEmpty }
        }
        guard !endpoints.isEmpty else {
            throw error(endpointField.path, "no endpoint specified")
        }
        var config = KESKeyStoreConfig(endpoints: endpoints)
        config.enclave = try string(kes.child("enclave")) ?? ""
        config.apiKey = try string(kes.child("api_key")) ?? ""
        config.tls = try clientTLS(kes.child("tls"))
        return config
    }

    /// `tls: {key, cert, ca}` of a backend connection; key and cert come as a pair.
    func clientTLS(_ field: ConfigField) throws(ConfigError) -> ClientTLS {
        let tls = try section(field)
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

import KESConfig
import KESCore
import KESKeyStore
import KESServer
import KESTLS
import Logging

/// Maps a parsed KES config file onto the server's built values: reads the TLS files, builds the
/// policy set and route settings, and connects the key store its `keystore:` section names.
public enum KESBootstrap {
    /// A startup or reload failure, as one line naming the config field or file.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String

        public init(_ description: String) {
            self.description = description
        }
    }

    /// The server's values for `config`, over `keyStore`.
    /// - Parameter address: overrides `config.address` (`--addr`).
    public static func serverConfiguration(
        _ config: ServerConfig, keyStore: any KeyStore, address: String? = nil
    ) throws(Failure) -> ServerConfiguration {
        ServerConfiguration(
            address: address ?? config.address,
            tls: try tls(config.tls),
            settings: try settings(config),
            keyStore: keyStore,
            cachePolicy: CachePolicy(
                expiryAny: config.cache.expiryAny, expiryUnused: config.cache.expiryUnused,
                expiryOffline: config.cache.expiryOffline),
            declaredKeys: config.keys,
            idleTimeout: config.http.idleTimeout == .zero ? ServerConfiguration.defaultIdleTimeout : config.http.idleTimeout,
            headerTimeout: config.http.headerTimeout == .zero ? ServerConfiguration.defaultHeaderTimeout : config.http.headerTimeout,
            maxConnections: config.http.maxConnections == 0 ? ServerConfiguration.defaultMaxConnections : config.http.maxConnections
        )
    }

    /// Connects the key store the config's `keystore:` section names.
    public static func connectKeyStore(_ section: KeyStoreSection, logger: Logger) async throws(Failure) -> any KeyStore {
        do {
            return try await section.configuration.connect(logger: logger)
        } catch {
            throw Failure("keystore: \(error)")
        }
    }

    /// Reloads a running server from a changed config file; the running state stays on error.
    public static func reload(_ server: KESServer, from config: ServerConfig) throws(Failure) {
        let settings = try settings(config)
        let tls = try tls(config.tls)
        do {
            try server.reload(settings: settings, tls: tls, declaredKeys: config.keys)
        } catch {
            throw Failure("\(error)")
        }
    }

    /// Policies, identities, `api:` overrides, TLS proxies and log switches.
    public static func settings(_ config: ServerConfig) throws(Failure) -> ServerSettings {
        let policies = config.policies.map { policy in
            (policy: Policy(name: policy.name, allow: policy.allow, deny: policy.deny),
             identities: policy.identities.map { Identity($0) })
        }
        let policySet: PolicySet
        do {
            policySet = try PolicySet(admin: Identity(config.adminIdentity), policies: policies)
        } catch {
            throw Failure("config: policy: \(error)")
        }
        let routes: RouteSettings
        do {
            routes = try RouteSettings(
                timeouts: config.api.mapValues { $0.timeout ?? .zero },
                skipAuth: Set(config.api.filter(\.value.skipAuth).keys))
        } catch {
            throw Failure("config: \(error)")
        }
        let proxy = TLSProxy(
            identities: Set(config.tls.proxyIdentities.map { Identity($0) }), certificateHeader: config.tls.proxyCertHeader)
        return ServerSettings(
            policySet: policySet, routes: routes, proxy: proxy, auditToStdout: config.log.audit, errorToStderr: config.log.error)
    }

    /// The server certificate, key and client CAs named by `tls:`.
    public static func tls(_ config: ServerTLSConfig) throws(Failure) -> ServerTLSConfiguration {
        guard !config.keyPath.isEmpty else { throw Failure("tls: no private key specified (tls.key)") }
        guard !config.certPath.isEmpty else { throw Failure("tls: no certificate specified (tls.cert)") }
        do {
            let chain = try PEMFiles.certificates(config.certPath)
            let key = try PEMFiles.privateKey(config.keyPath, password: config.password)
            try PEMFiles.requireMatchingKey(key, keyPath: config.keyPath, certificate: chain[0], certificatePath: config.certPath)
            let clientCAs = config.auth && !config.caPath.isEmpty ? try CertificateAuthorities.load(config.caPath) : []
            return ServerTLSConfiguration(
                certificateChain: chain, privateKey: key, verifiesClientChains: config.auth, clientCAs: clientCAs)
        } catch {
            throw Failure("tls: \(error)")
        }
    }
}

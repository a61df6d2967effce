import AsyncHTTPClient
import Foundation
import KESHTTPBackend
import KESKeyStore
import KESTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// `keystore.vault`: keys kept as secrets in a HashiCorp Vault or OpenBao K/V
/// engine (v1 or v2), laid out exactly as KES does (docs/formats.md, "Key store layouts"), so both
/// servers can share one store.
///
/// Authentication is AppRole, Kubernetes or a static token; the token is renewed
/// and replaced in the background. `sys/health` is polled every `statusPing`, and
/// while Vault is sealed key operations fail fast with `.unavailable`. With `transit`
/// configured, keys are stored wrapped by a Transit key and unwrapped on every read.
public final class VaultKeyStore: KeyStore {
    public var kind: String { "vault" }

    let transport: VaultTransport
    let layout: VaultLayout
    let transit: VaultTransit?
    let tokens: VaultTokenKeeper
    let health: VaultHealth
    private let background: Mutex<[Task<Void, Never>]?>

    /// Deadline of every key request, so a hung Vault cannot hang the server.
    static let requestTimeout: TimeAmount = .seconds(10)
    /// Health probes answer fast when Vault is well; a slow one is as bad as none.
    static let healthTimeout: TimeAmount = .seconds(5)

    /// Connects and logs in; returns once the store holds a token.
    ///
    /// - Throws: `KeyStoreError` with KES's startup texts (`vault: endpoint is empty`,
    ///   `vault: no authentication method specified`, …), `.unreachable` when Vault
    ///   cannot be reached, `.unavailable` when it is sealed.
    public init(config: VaultKeyStoreConfig, logger: Logger) async throws {
        guard !config.endpoints.isEmpty else { throw KeyStoreError.failed("vault: endpoint is empty") }
        let endpoints = try config.endpoints.map(Self.normalizedEndpoint)
        let method = try VaultAuthMethod(config: config)
        if let transit = config.transit, transit.key.trimmingCharacters(in: .whitespaces).isEmpty {
            throw KeyStoreError.failed("vault: transit key name is empty")
        }
        let tls: TLSConfiguration
        do {
            tls = try config.tls.makeConfiguration()
        } catch {
            throw KeyStoreError.failed("vault: \(error)")
        }
        let client = BackendHTTPClient.make(tls: tls, connectTimeout: .seconds(5), readTimeout: Self.requestTimeout, http1Only: true)

        let transport = VaultTransport(
            client: client,
            endpoints: EndpointFailover(endpoints: endpoints),
            namespace: config.namespace,
            requestTimeout: Self.requestTimeout
        )
        let authenticator = VaultAuthenticator(transport: transport, method: method)
        let token: VaultToken
        do {
            token = try await authenticator.authenticate()
        } catch {
            try? await client.shutdown()
            throw error
        }

        let health = VaultHealth(transport: transport, logger: logger)
        let tokens = VaultTokenKeeper(token: token, authenticator: authenticator, logger: logger) {
            health.isSealed
        }
        self.transport = transport
        self.layout = VaultLayout(
            engine: config.engine.isEmpty ? "kv" : config.engine, prefix: config.prefix, version: config.kvVersion
        )
        self.transit = config.transit.map(VaultTransit.init)
        self.tokens = tokens
        self.health = health

        let ping = config.statusPing > .zero ? config.statusPing : .seconds(15)
        self.background = Mutex([
            Task { await tokens.run() },
            Task { await health.monitor(every: ping, timeout: Self.healthTimeout) },
        ])
    }

    deinit {
        // Without close() the pool would outlive the store; shut it down detached.
        guard let tasks = background.withLock({ $0 }) else { return }
        for task in tasks { task.cancel() }
        let client = transport.client
        Task { try? await client.shutdown() }
    }

    public func status() async throws {
        try await health.check(timeout: Self.healthTimeout)
    }

    public func close() async {
        guard let tasks = background.withLock({ state in
            defer { state = nil }
            return state
        }) else { return }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        try? await transport.client.shutdown()
    }

    /// Accepts `https://host:port`, `http://…` and a bare `host:port` (HTTPS).
    static func normalizedEndpoint(_ raw: String) throws -> String {
        var endpoint = raw.trimmingCharacters(in: .whitespaces)
        guard !endpoint.isEmpty else { throw KeyStoreError.failed("vault: endpoint is empty") }
        if !endpoint.contains("://") { endpoint = "https://" + endpoint }
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            throw KeyStoreError.failed("vault: invalid endpoint '\(raw)'")
        }
        return endpoint
    }
}

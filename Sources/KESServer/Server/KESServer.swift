import KESConfig
import KESCore
import KESKeyStore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// A KES-compatible HTTPS server over one key store.
///
/// `start()` binds and returns; `run()` (the ServiceLifecycle entry point) starts,
/// then serves until graceful shutdown and closes the listener.
public final class KESServer: Service, Sendable {
    let context: ServerContext
    private let tls: Mutex<NIOSSLContext>
    /// `tls.auth` as the server started; the chain-checking mode is fixed per listener.
    private let verifiesClientChains: Bool
    private let address: String
    private let group: any EventLoopGroup
    private let listener = Mutex<(any Channel)?>(nil)
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let declaredKeys: Mutex<[String]>
    private let idleTimeout: TimeAmount

    public var logger: Logger { context.logger }
    public var errorLog: ErrorLog { context.errorLog }

    /// - Parameters:
    ///   - address: overrides `config.address` (`--addr`).
    ///   - idleTimeout: how long a keep-alive connection may sit unused; KES closes them after 90 s.
    public init(config: ServerConfig, keyStore: any KeyStore, address: String? = nil,
                idleTimeout: Duration = .seconds(90),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        let settings = try ServerSettings(config: config, adminCreatedAt: .now())
        let cache = KeyCache(store: keyStore, policy: CachePolicy(
            expiryAny: config.cache.expiryAny, expiryUnused: config.cache.expiryUnused,
            expiryOffline: config.cache.expiryOffline
        ))
        self.context = ServerContext(cache: cache, settings: settings)
        self.tls = Mutex(try ServerTLS.makeContext(config: config.tls, optionalClientCertificate: !settings.skipAuth.isEmpty))
        self.verifiesClientChains = config.tls.auth
        self.address = address ?? config.address
        self.group = group
        self.declaredKeys = Mutex(config.keys)
        self.idleTimeout = .nanoseconds(idleTimeout.wholeNanoseconds)
    }

    /// The bound address once started (useful with port 0).
    public var localPort: Int? {
        listener.withLock { $0?.localAddress?.port }
    }

    /// Creates declarative keys, binds the listener and starts serving.
    public func start() async throws {
        try await createDeclaredKeys()
        let (host, port) = try Self.split(address)
        let context = self.context
        let idleTimeout = self.idleTimeout
        let acceptAnyCertificate = !verifiesClientChains
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                self.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let sslContext = self.tls.withLock { $0 }
                    let sslHandler: NIOSSLServerHandler
                    if acceptAnyCertificate {
                        // KES authorizes by identity, so any certificate passes the TLS layer (TARGET rule 12);
                        // BoringSSL still checks the client's proof of key possession.
                        sslHandler = NIOSSLServerHandler(context: sslContext, customVerificationCallback: { _, promise in
                            promise.succeed(.certificateVerified)
                        })
                    } else {
                        sslHandler = NIOSSLServerHandler(context: sslContext)
                    }
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(sslHandler)
                    // ConnectionHandler writes response bytes itself and does the pipelining, idle and
                    // protocol-error work of NIO's server pipeline handlers (see its comment).
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try sync.addHandler(ConnectionHandler(context: context, idleTimeout: idleTimeout))
                }
            }
            .bind(host: host, port: port)
            .get()
        listener.withLock { $0 = channel }
    }

    public func run() async throws {
        try await start()
        let logger = context.logger
        let cache = context.cache
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await cache.run(logger: logger) }
                let closed = listener.withLock { $0?.closeFuture }
                try? await closed?.get()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.shutdown()
        }
        await cache.store.close()
    }

    /// Stops accepting connections. In-flight requests finish on their connections.
    public func shutdown() {
        let channel = listener.withLock { $0 }
        channel?.close(promise: nil)
    }

    /// Stops accepting connections and drops every open one, as a crashed or killed server would.
    public func shutdownNow() {
        shutdown()
        let open = connections.withLock { Array($0.values) }
        for channel in open { channel.close(promise: nil) }
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        connections.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            _ = self?.connections.withLock { $0.removeValue(forKey: id) }
        }
    }

    /// Applies a new config: policies, identities, API settings, log switches and the TLS
    /// certificate. On any error the old state stays and the error is thrown.
    public func reload(config: ServerConfig) throws {
        let settings = try ServerSettings(config: config, adminCreatedAt: context.settings.adminCreatedAt)
        let newTLS = try ServerTLS.makeContext(config: config.tls, optionalClientCertificate: !settings.skipAuth.isEmpty)
        context.apply(settings)
        tls.withLock { $0 = newTLS }
        declaredKeys.withLock { $0 = config.keys }
    }

    /// Creates the config's `keys:` that don't exist yet, owned by the admin.
    public func createDeclaredKeys() async throws {
        let names = declaredKeys.withLock { $0 }
        let admin = context.settings.policySet.admin.rawValue
        for name in names {
            do {
                try await context.cache.create(name, key: StoredKey.generate(.aes256, createdBy: admin))
            } catch KeyStoreError.keyExists {
                continue
            } catch {
                throw SettingsError(message: "keys: failed to create key '\(name)': \(error)")
            }
        }
    }

    static func split(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw SettingsError(message: "invalid address '\(address)': expected host:port")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}

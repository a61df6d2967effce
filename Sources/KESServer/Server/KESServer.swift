import KESCore
import KESKeyStore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Everything the server is built from. It reads no files: the caller (the config bootstrap,
/// the dev server, a test) builds these values.
public struct ServerConfiguration: Sendable {
    /// `host:port`; port 0 picks a free port (see `KESServer.localPort`).
    public var address: String
    public var tls: ServerTLSConfiguration
    public var settings: ServerSettings
    public var keyStore: any KeyStore
    public var cachePolicy: CachePolicy
    /// Keys created at start (and on reload) when they are missing, owned by the admin.
    public var declaredKeys: [String]
    /// How long a keep-alive connection may sit unused; KES closes them after 90 s.
    public var idleTimeout: Duration
    /// How long a graceful shutdown waits for requests in progress before it cuts them.
    public var drainTimeout: Duration
    /// How long a client may take for the TLS handshake, and for a request's head and body once
    /// its first bytes arrived. Short, so that slow clients cannot hold connections.
    public var headerTimeout: Duration
    /// How many connections may be open at once; at the cap the one idle longest is closed to
    /// make room. Keep it below the process's file-descriptor limit.
    public var maxConnections: Int

    public static let defaultIdleTimeout: Duration = .seconds(90)
    public static let defaultHeaderTimeout: Duration = .seconds(10)
    public static let defaultMaxConnections = 10_000

    public init(
        address: String, tls: ServerTLSConfiguration, settings: ServerSettings, keyStore: any KeyStore,
        cachePolicy: CachePolicy = CachePolicy(), declaredKeys: [String] = [],
        idleTimeout: Duration = defaultIdleTimeout, drainTimeout: Duration = .seconds(30),
        headerTimeout: Duration = defaultHeaderTimeout, maxConnections: Int = defaultMaxConnections
    ) {
        self.address = address
        self.tls = tls
        self.settings = settings
        self.keyStore = keyStore
        self.cachePolicy = cachePolicy
        self.declaredKeys = declaredKeys
        self.idleTimeout = idleTimeout
        self.drainTimeout = drainTimeout
        self.headerTimeout = headerTimeout
        self.maxConnections = maxConnections
    }
}

/// A KES-compatible HTTPS server over one key store.
///
/// `start()` binds and returns; `run()` (the ServiceLifecycle entry point) starts, serves until
/// graceful shutdown, then drains: it stops accepting, lets the requests in progress finish (up
/// to `drainTimeout`), closes the connections and the key store.
public final class KESServer: Service, Sendable {
    let context: ServerContext
    private let tls: Mutex<NIOSSLContext>
    /// Whether the listener checks client chains; fixed per listener, like the handler it installs.
    private let verifiesClientChains: Bool
    private let address: String
    private let group: any EventLoopGroup
    private let listener = Mutex<(any Channel)?>(nil)
    private let connections: ConnectionRegistry
    private let configuredCap: Int
    private let declaredKeys: Mutex<[String]>
    private let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    private let drainTimeout: Duration

    public var logger: Logger { context.logger }
    public var errorLog: ErrorLog { context.errorLog }

    public init(configuration: ServerConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        let cache = KeyCache(store: configuration.keyStore, policy: configuration.cachePolicy)
        self.context = ServerContext(
            cache: cache, settings: configuration.settings,
            forwardedChains: try ForwardedChainVerifier.make(
                verifyingClientChains: configuration.tls.verifiesClientChains, clientCAs: configuration.tls.clientCAs,
                proxy: configuration.settings.proxy))
        self.tls = Mutex(try ServerTLS.makeContext(
            configuration.tls, optionalClientCertificate: configuration.settings.routes.skipsAnyAuth))
        self.verifiesClientChains = configuration.tls.verifiesClientChains
        self.address = configuration.address
        self.group = group
        self.declaredKeys = Mutex(configuration.declaredKeys)
        self.idleTimeout = .nanoseconds(configuration.idleTimeout.wholeNanoseconds)
        self.headerTimeout = .nanoseconds(configuration.headerTimeout.wholeNanoseconds)
        self.drainTimeout = configuration.drainTimeout
        guard configuration.maxConnections > 0 else {
            throw SettingsError(message: "the connection cap must be positive, not \(configuration.maxConnections)")
        }
        self.connections = ConnectionRegistry(limit: Self.effectiveCap(configuration.maxConnections))
        self.configuredCap = configuration.maxConnections
    }

    /// How many connections are open now.
    public var openConnectionCount: Int { connections.count }

    /// The bound address once started (useful with port 0).
    public var localPort: Int? {
        listener.withLock { $0?.localAddress?.port }
    }

    /// Creates declared keys, binds the listener and starts serving.
    public func start() async throws {
        try await createDeclaredKeys()
        let (host, port) = try Self.split(address)
        let acceptAnyCertificate = !verifiesClientChains
        let channel: any Channel
        do {
            channel = try await bind(host: host, port: port, acceptAnyCertificate: acceptAnyCertificate)
        } catch let error as IOError {
            let reason = String(cString: strerror(error.errnoCode)).lowercased()
            throw SettingsError(message: "http: failed to listen on \(address): \(reason)")
        }
        listener.withLock { $0 = channel }
        warnIfDescriptorsRunShort()
    }

    /// Past the descriptor limit `accept` fails with EMFILE, the listener wakes the event loop
    /// for connections it cannot take (a busy spin) and clients wait in the backlog. A cap below
    /// the limit never gets there: at the cap, connections are shed or turned away instead.
    static func effectiveCap(_ configured: Int) -> Int {
        guard let limit = FileDescriptorLimit.current else { return configured }
        return max(1, min(configured, limit - FileDescriptorLimit.headroom))
    }

    private func warnIfDescriptorsRunShort() {
        guard connections.limit < configuredCap, let limit = FileDescriptorLimit.current else { return }
        context.errorLog.log(
            "http: the file descriptor limit (\(limit)) is too low for \(configuredCap) connections: serving at most \(connections.limit); raise the limit (ulimit -n, LimitNOFILE=) to \(configuredCap + FileDescriptorLimit.headroom) or lower http.max_connections"
        )
    }

    private func bind(host: String, port: Int, acceptAnyCertificate: Bool) async throws -> any Channel {
        let context = self.context
        let idleTimeout = self.idleTimeout
        let headerTimeout = self.headerTimeout
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                guard let slot = self.track(channel) else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sslContext = self.tls.withLock { $0 }
                    let sslHandler: NIOSSLServerHandler
                    if acceptAnyCertificate {
                        // KES authorizes by identity, so any certificate passes the TLS layer;
                        // BoringSSL still checks the client's proof of key possession.
                        sslHandler = NIOSSLServerHandler(context: sslContext, customVerificationCallback: { _, promise in
                            promise.succeed(.certificateVerified)
                        })
                    } else {
                        sslHandler = NIOSSLServerHandler(context: sslContext)
                    }
                    let sync = channel.pipeline.syncOperations
                    let connection = ConnectionHandler(context: context, idleTimeout: idleTimeout, headerTimeout: headerTimeout, slot: slot)
                    try sync.addHandler(sslHandler)
                    try sync.addHTTPHandlers(connection)
                }
            }
            .bind(host: host, port: port)
            .get()
    }

    /// Serves until graceful shutdown, running the cache's health checks and expiry sweeps
    /// beside it; then drains and closes the key store. Starts the server unless `start()` ran.
    public func run() async throws {
        if localPort == nil { try await start() }
        let logger = context.logger
        let cache = context.cache
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await cache.run(logger: logger) }
                let closed = listener.withLock { $0?.closeFuture }
                try? await closed?.get()
                await drainConnections()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.shutdown()
        }
        await cache.store.close()
    }

    /// Stops accepting connections; `run()` then drains the open ones.
    public func shutdown() {
        let channel = listener.withLock { $0 }
        channel?.close(promise: nil)
    }

    /// Stops accepting connections and drops every open one, as a crashed or killed server would.
    public func shutdownNow() {
        shutdown()
        for channel in connections.channels { channel.close(promise: nil) }
    }

    /// Asks every connection to finish the request it is on and close, waits for them up to
    /// `drainTimeout`, then closes whatever is left.
    public func drainConnections() async {
        // From here on, a connection accepted late is asked to drain as soon as it is tracked.
        let open = connections.startDraining()
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(DrainConnection())
        }
        let clock = ContinuousClock()
        let giveUp = clock.now + drainTimeout
        while connections.count > 0, clock.now < giveUp {
            do { try await Task.sleep(for: .milliseconds(10)) } catch { break }
        }
        let left = connections.channels
        if !left.isEmpty {
            context.errorLog.log("http: shutdown: closing \(left.count) connection(s) still busy after \(drainTimeout)")
            for channel in left { channel.close(promise: nil) }
        }
    }

    /// Admits a new connection under the cap; nil when it must be turned away.
    private func track(_ channel: any Channel) -> ConnectionRegistry.Slot? {
        let admission = connections.admit(channel)
        if admission.reachedCap {
            context.errorLog.log(
                "http: \(connections.limit) connections are open, the configured cap: closing the longest-idle ones to admit new ones")
        }
        admission.shed?.closeAbruptly()
        guard let slot = admission.slot else { return nil }
        channel.closeFuture.whenComplete { [weak self] _ in
            if self?.connections.remove(channel) == true { HeapTrim.shared.schedule() }
        }
        // The initializer runs before the handlers exist; the event goes out once they do.
        if admission.draining {
            channel.eventLoop.execute { channel.pipeline.fireUserInboundEventTriggered(DrainConnection()) }
        }
        return slot
    }

    /// Applies new policies, identities, route settings, TLS proxies, log switches and TLS
    /// certificate. On any error the running state stays and the error is thrown.
    public func reload(settings: ServerSettings, tls: ServerTLSConfiguration, declaredKeys: [String]) throws {
        let newTLS = try ServerTLS.makeContext(tls, optionalClientCertificate: settings.routes.skipsAnyAuth)
        // The listener keeps checking chains as it started; forwarded chains are checked alike.
        let forwardedChains = try ForwardedChainVerifier.make(
            verifyingClientChains: verifiesClientChains, clientCAs: tls.clientCAs, proxy: settings.proxy)
        context.apply(settings.keepingAdminCreation(of: context.settings), forwardedChains: forwardedChains)
        self.tls.withLock { $0 = newTLS }
        self.declaredKeys.withLock { $0 = declaredKeys }
    }

    /// Creates the declared keys that don't exist yet, owned by the admin.
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
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65535).contains(port) else {
            throw SettingsError(message: "invalid address '\(address)': expected host:port")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}

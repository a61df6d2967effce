import Foundation
import KESAWS
import KESChainStore
import KESConfig
import KESCore
import KESFileStore
import KESKeyStore
import KESTestSupport
import KESVault
import Logging
import Testing

/// Every `KeyStore` the contract runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// `MemoryKeyStore`
    case memory
    /// `keystore.fs`: `FileKeyStore` in a fresh temporary directory.
    case fs
    /// `keystore.vault` on an OpenBao dev server, K/V v1 engine mounted at `kv1/`.
    case vaultKV1
    /// `keystore.vault` on an OpenBao dev server, K/V v2 engine mounted at `kv2/`.
    case vaultKV2
    /// `keystore.aws.secretsmanager` on moto.
    case awsSecretsManager
    /// `keystore.kes`: `KESChainKeyStore` over the `/v1/secret/*` API of an in-process swift-kes `TestServer`.
    case chainedKES

    var testDescription: String { rawValue }

    /// The kinds whose backend can run here. As in the per-backend suites, the OpenBao and moto kinds need
    /// `bao` / `moto_server` on the PATH; in CI they always run, so a missing binary fails there instead of
    /// silently shrinking the contract.
    static let runnable: [StoreKind] = allCases.filter(\.isRunnable)

    /// The kinds that talk to a backend over the network.
    static let networked: [StoreKind] = [.vaultKV1, .vaultKV2, .awsSecretsManager, .chainedKES]

    var isRunnable: Bool {
        let inCI = ProcessInfo.processInfo.environment["CI"] != nil
        switch self {
        case .vaultKV1, .vaultKV2: return OpenBaoLauncher.isInstalled || inCI
        case .awsSecretsManager: return MotoServer.isInstalled || inCI
        case .memory, .fs, .chainedKES: return true
        }
    }

    /// Whether the backend itself refuses a second create of a name, so that of N concurrent creates exactly one
    /// succeeds. K/V v1 has no create-if-absent: `VaultKeyStore.create` reads, then writes, so concurrent creates
    /// that all read "absent" all write (last writer wins), exactly like KES's own Vault backend. K/V v2 writes
    /// with `cas=0`, moto/AWS `CreateSecret` refuses an existing name, the file store uses link(2), the memory
    /// store a lock, and the chained store inherits the upstream's store.
    var createIsAtomic: Bool { self != .vaultKV1 }

    /// Whether deleting a name that does not exist throws `keyNotFound`. The protocol only asks for it "when the
    /// backend can tell": Vault answers 204 either way, and Secrets Manager's forced delete of a missing secret
    /// may succeed (moto answers success), so for those two the delete may also just succeed.
    var deleteReportsMissingKey: Bool {
        switch self {
        case .memory, .fs, .chainedKES: return true
        case .vaultKV1, .vaultKV2, .awsSecretsManager: return false
        }
    }

    /// A configuration of this kind aimed at `127.0.0.1:port`, where nothing listens; nil for the local kinds.
    func configuration(unreachablePort port: Int) -> (any KeyStoreConfiguration)? {
        switch self {
        case .memory, .fs:
            return nil
        case .vaultKV1, .vaultKV2:
            var config = VaultKeyStoreConfig(endpoint: "http://127.0.0.1:\(port)")
            config.engine = self == .vaultKV1 ? "kv1" : "kv2"
            config.kvVersion = self == .vaultKV1 ? .v1 : .v2
            config.token = "unused"
            return config
        case .awsSecretsManager:
            var config = AWSSecretsManagerConfig(endpoint: "http://127.0.0.1:\(port)", region: "us-east-1")
            config.accessKey = "AKIDEXAMPLE"
            config.secretKey = "not-checked"
            return config
        case .chainedKES:
            var config = KESKeyStoreConfig(endpoints: ["https://127.0.0.1:\(port)"])
            config.apiKey = APIKey.random().text
            config.tls.insecureSkipVerify = true
            return config
        }
    }
}

/// Opens a store of `kind`, starting what it needs, and returns it with the cleanup that closes it and releases
/// (or stops) its backend. Stores are opened through their backend's `KeyStoreConfiguration.connect(logger:)`,
/// the path the server takes, except the memory store, which has no configuration.
///
/// OpenBao and moto are shared by the tests that run at the same time (see `SharedBackend`); tests keep apart by
/// giving their keys unique names (`KeyNames`). The chained kind gets its own in-process upstream server.
func makeStore(_ kind: StoreKind) async throws -> (store: any KeyStore, cleanup: @Sendable () async -> Void) {
    let logger = ContractBackends.logger
    switch kind {
    case .memory:
        return (store: MemoryKeyStore(), cleanup: {})

    case .fs:
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kes-contract-fs-\(UUID().uuidString)").path
        let store = try await FSKeyStoreConfig(path: directory + "/keys").connect(logger: logger)
        return (store: store, cleanup: {
            await store.close()
            try? FileManager.default.removeItem(atPath: directory)
        })

    case .vaultKV1, .vaultKV2:
        return try await connect(sharing: ContractBackends.openBao, logger: logger) { server in
            var config = VaultKeyStoreConfig(endpoint: server.address)
            config.engine = kind == .vaultKV1 ? "kv1" : "kv2"
            config.kvVersion = kind == .vaultKV1 ? .v1 : .v2
            config.prefix = "kes-contract"
            config.token = server.rootToken
            return config
        }

    case .awsSecretsManager:
        return try await connect(sharing: ContractBackends.moto, logger: logger) { server in
            var config = AWSSecretsManagerConfig(endpoint: server.endpoint, region: "us-east-1")
            // moto accepts any credentials and does not check signatures.
            config.accessKey = "AKIDEXAMPLE"
            config.secretKey = "not-checked-by-moto"
            return config
        }

    case .chainedKES:
        // As in ChainedServerTests: the upstream grants one API-key identity its secret API and readiness.
        let edgeKey = APIKey.random()
        let directory = TestServer.makeDirectory()
        let removeDirectories: @Sendable () -> Void = {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: directory + "-tls")
        }
        let upstream: TestServer
        do {
            upstream = try await TestServer(directory: directory) { config in
                config.policies = [
                    PolicyConfig(name: "chain", allow: ["/v1/secret/*", "/v1/ready"], identities: [edgeKey.identity.rawValue])
                ]
            }
        } catch {
            removeDirectories()
            throw error
        }
        var config = KESKeyStoreConfig(endpoints: ["https://127.0.0.1:\(upstream.port)"])
        config.apiKey = edgeKey.text
        config.tls.insecureSkipVerify = true
        do {
            let store = try await config.connect(logger: logger)
            return (store: store, cleanup: {
                await store.close()
                upstream.stop()
                removeDirectories()
            })
        } catch {
            upstream.stop()
            removeDirectories()
            throw error
        }
    }
}

/// Runs `body` with a fresh store of `kind` and always cleans up, also when `body` throws.
func withContractStore(_ kind: StoreKind, _ body: (any KeyStore) async throws -> Void) async throws {
    let (store, cleanup) = try await makeStore(kind)
    do {
        try await body(store)
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
}

/// Acquires a shared backend, connects the configuration made for it, and returns the store with
/// the cleanup that closes it and releases the backend; a failed connect releases it at once.
private func connect<Server: Sendable>(
    sharing backend: SharedBackend<Server>, logger: Logger, _ configuration: (Server) -> any KeyStoreConfiguration
) async throws -> (store: any KeyStore, cleanup: @Sendable () async -> Void) {
    let server = try await backend.acquire()
    do {
        let store = try await configuration(server).connect(logger: logger)
        return (store: store, cleanup: {
            await store.close()
            await backend.release()
        })
    } catch {
        await backend.release()
        throw error
    }
}

enum ContractBackends {
    static let logger = Logger(label: "kes.contract")

    /// One OpenBao dev server with K/V v1 mounted at `kv1/` and K/V v2 at `kv2/`.
    static let openBao = SharedBackend<OpenBaoServer>(
        launch: {
            let server = try await OpenBaoLauncher.start(.dev)
            do {
                let admin = OpenBaoAdmin(server)
                try await admin.must(.POST, "sys/mounts/kv1", ["type": "kv", "options": ["version": "1"]])
                try await admin.must(.POST, "sys/mounts/kv2", ["type": "kv", "options": ["version": "2"]])
                return server
            } catch {
                await OpenBaoLauncher.stop(server)
                throw error
            }
        },
        shutdown: { server in await OpenBaoLauncher.stop(server) }
    )

    static let moto = SharedBackend<MotoServer>(
        launch: { try await MotoServer.start() },
        shutdown: { server in await server.shutdown() }
    )
}

/// One backend process shared by the tests that use it at the same time.
///
/// The first `acquire()` starts it, later ones wait for that start and get the same server, and the `release()`
/// that drops the last user stops it and waits until it is gone, so no process or directory outlives the tests
/// (the launchers' `BACKEND_OWNER_PID` watchdog covers a crash). An `acquire()` after that starts a new one once
/// the old one is down. A failed start is reported to every waiting `acquire()`.
actor SharedBackend<Server: Sendable> {
    private let launch: @Sendable () async throws -> Server
    private let shutdown: @Sendable (Server) async -> Void
    private var users = 0
    private var running: Task<Server, any Error>?
    private var stopping: Task<Void, Never>?

    init(launch: @escaping @Sendable () async throws -> Server, shutdown: @escaping @Sendable (Server) async -> Void) {
        self.launch = launch
        self.shutdown = shutdown
    }

    func acquire() async throws -> Server {
        users += 1
        let task: Task<Server, any Error>
        if let running {
            task = running
        } else {
            let previous = stopping
            let launch = self.launch
            task = Task {
                // The server being stopped frees its ports and directory first.
                await previous?.value
                return try await launch()
            }
            running = task
        }
        do {
            return try await task.value
        } catch {
            await release()
            throw error
        }
    }

    func release() async {
        users -= 1
        guard users == 0, let task = running else { return }
        running = nil
        let shutdown = self.shutdown
        let stop = Task {
            // A start that failed has nothing to stop; its error went to every acquire().
            guard case .success(let server) = await task.result else { return }
            await shutdown(server)
        }
        stopping = stop
        await stop.value
    }
}

/// Key names unique to one test, so tests can share a backend: `c<8 hex digits>_<suffix>`.
///
/// Names keep to what every store and the KES API accept (`[0-9A-Za-z_-]`, no dots for the file store) and never
/// end in a hyphen and six characters, which Secrets Manager reads as an ARN suffix.
struct KeyNames: Sendable {
    let prefix = "c\(UUID().uuidString.prefix(8))_"

    func callAsFunction(_ suffix: String) -> String { prefix + suffix }
}

enum ContractValues {
    /// A fresh stored-key text as the server writes it (docs/formats.md, "Stored keys"). It is UTF-8, which is all
    /// a Vault secret can hold, and contains base64's `+` and `/`, which every backend's encoding must keep as is.
    static func storedKey() -> [UInt8] {
        let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let bytes = Data(secret).base64EncodedString()
        let text = #"{"bytes":"\#(bytes)","algorithm":"AES256","created_at":"2024-05-06T07:08:09.123456789Z","created_by":"contract+/test"}"#
        return Array(text.utf8)
    }
}

/// Records an issue unless `error` is `.unreachable` naming the endpoint at `port`.
func expectUnreachable(_ error: KeyStoreError?, port: Int, _ operation: String) {
    guard case .unreachable(let why)? = error else {
        Issue.record("\(operation): expected KeyStoreError.unreachable, got \(String(describing: error))")
        return
    }
    #expect(why.contains("no connection to"), "\(operation): \(why)")
    #expect(why.contains("127.0.0.1:\(port)"), "\(operation): \(why)")
}

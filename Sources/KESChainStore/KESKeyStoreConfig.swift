import KESKeyStore
import KESTLS
import Logging

/// `keystore.kes`: another KES-compatible server used as the key store.
public struct KESKeyStoreConfig: Sendable, Equatable {
    public var endpoints: [String]
    public var enclave: String = ""
    public var apiKey: String = ""
    public var tls: ClientTLS = ClientTLS()

    public init(endpoints: [String]) {
        self.endpoints = endpoints
    }
}

extension KESKeyStoreConfig: KeyStoreConfiguration {
    public func connect(logger: Logger) async throws -> any KeyStore {
        try KESChainKeyStore(config: self)
    }
}

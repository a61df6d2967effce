import Logging

/// A backend's own configuration: the built value a `keystore:` section becomes, and how to
/// connect with it. Each backend target defines one; the config layer only maps the file onto it.
public protocol KeyStoreConfiguration: Sendable {
    /// Opens the store. Throws a `KeyStoreError` that names the backend and the problem.
    func connect(logger: Logger) async throws -> any KeyStore
}

import KESKeyStore

extension Error {
    /// The text for a `vault: …` log line: a key-store error's own message without
    /// the "not reachable:" style classification prefix.
    var vaultMessage: String {
        switch self as? KeyStoreError {
        case .unreachable(let why)?, .unavailable(let why)?, .failed(let why)?: return why
        case let error?: return error.description
        case nil: return "\(self)"
        }
    }
}

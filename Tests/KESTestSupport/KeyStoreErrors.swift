import KESKeyStore

/// Runs `operation` and returns the `KeyStoreError` it threw, or nil when it succeeded.
public func keyStoreError(_ operation: () async throws -> Void) async -> KeyStoreError? {
    do {
        try await operation()
        return nil
    } catch let error as KeyStoreError {
        return error
    } catch {
        return .failed("unexpected error type: \(error)")
    }
}

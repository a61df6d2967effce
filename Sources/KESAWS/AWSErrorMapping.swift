import KESKeyStore

extension KeyStoreError {
    /// Classifies a failed Secrets Manager call: no response → unreachable,
    /// throttling, 5xx and credentials that cannot be renewed → unavailable,
    /// anything else → failed, each as
    /// `<context>: <Code>: <message>`. Cancellation passes through unchanged.
    static func fromAWS(_ error: any Error, context: String) -> any Error {
        switch error {
        case let error as AWSCallError:
            switch error {
            case .transport(let why):
                return KeyStoreError.unreachable("\(context): \(why)")
            case .service(let service) where service.isOutage:
                return KeyStoreError.unavailable("\(context): \(service)")
            case .service(let service):
                return KeyStoreError.failed("\(context): \(service)")
            case .malformedResponse(let why):
                return KeyStoreError.failed("\(context): \(why)")
            case .credentials(let why):
                // The service may be fine, but this server cannot use it until credentials return.
                return KeyStoreError.unavailable("\(context): \(why)")
            }
        case is KeyStoreError, is CancellationError:
            return error
        default:
            return KeyStoreError.failed("\(context): \(error)")
        }
    }
}

import KESCore
import KESKeyStore

/// The KES API: validation, authorization and the work of each route.
struct API: Sendable {
    let context: ServerContext

    func handle(_ request: APIRequest) -> APIOutcome {
        let settings = context.settings
        do {
            try authorize(request, settings: settings)
            return try request.route.handler(self, request, settings)
        } catch {
            return .now(.error(error))
        }
    }

    private func authorize(_ request: APIRequest, settings: ServerSettings) throws(RequestError) {
        var path = request.path
        switch request.route.argument {
        case .name: try validateName(request.argument)
        case .listPrefix:
            // A continuation is allowed exactly when the list it continues is: the policy sees the
            // prefix the token carries, not the token, so `/v1/key/list/app-*` covers every page.
            let list = try listArgument(request.argument)
            if list.isContinuation { path = Substring(request.route.path + list.prefix) }
        case .none: break
        }
        switch request.route.authorization {
        case .none:
            return
        case .policyUnlessSkipped where settings.routes.skipsAuth(request.route):
            return
        case .policy, .policyUnlessSkipped:
            guard let identity = request.identity else { throw RequestError.noCertificate }
            guard settings.policySet.authorize(identity, path: path) == .allowed else {
                throw RequestError.notAuthorized
            }
        }
    }

    func validateName(_ name: Substring) throws(RequestError) {
        do {
            try Arguments.validateName(name)
        } catch {
            throw RequestError.badRequest(error.message)
        }
    }

    func listArgument(_ argument: Substring) throws(RequestError) -> ListArgument {
        do {
            return try ListArgument(parsing: argument)
        } catch {
            throw RequestError.badRequest(error.message)
        }
    }

    func body(_ request: APIRequest) throws(RequestError) -> JSONBody {
        try JSONBody(request.body)
    }

    /// Logs a backend failure the way KES's key-store wrapper does; the client only sees the generic 502.
    /// Work the server cancelled itself (the client left, the deadline passed) is no backend failure.
    func logStoreError(_ error: any Error) {
        guard !Task.isCancelled else { return }
        switch error {
        case KeyStoreError.failed(let text), KeyStoreError.unreachable(let text), KeyStoreError.unavailable(let text):
            context.errorLog.log(text)
        default:
            context.errorLog.log("keystore: \(error)")
        }
    }
}

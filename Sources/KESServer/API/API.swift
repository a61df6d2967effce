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
        switch request.route.argument {
        case .name: try validateName(request.argument)
        case .listPrefix: _ = try listPrefix(request.argument)
        case .none: break
        }
        switch request.route.authorization {
        case .none:
            return
        case .policyUnlessSkipped where settings.routes.skipsAuth(request.route):
            return
        case .policy, .policyUnlessSkipped:
            guard let identity = request.identity else { throw RequestError.noCertificate }
            guard settings.policySet.authorize(identity, path: request.path) == .allowed else {
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

    func listPrefix(_ pattern: Substring) throws(RequestError) -> String {
        do {
            return String(try Arguments.listPrefix(pattern))
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

/// A list response page (docs/compatibility.md, "Lists"): names sorted, at most 1000, `continue_at` naming the next page.
enum ListPage {
    static let limit = 1000

    static func json(field: String, names: [String], prefix: String) -> APIResponse {
        let page = KeyListPage(allNames: names, prefix: prefix, limit: limit)
        return json(field: field, page: page)
    }

    static func json(field: String, page: KeyListPage) -> APIResponse {
        var json = JSONWriter(capacity: 64 + page.names.count * 24)
        json.beginObject()
        json.key(field)
        json.beginArray()
        for name in page.names { json.string(name) }
        json.endArray()
        json.field("continue_at", page.continueAt)
        json.endObject()
        return .json(json)
    }
}

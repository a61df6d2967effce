import KESCore
import KESKeyStore

/// The KES API: validation, authorization and the work of each route.
struct API: Sendable {
    let context: ServerContext

    func handle(_ request: APIRequest) -> APIOutcome {
        let settings = context.settings
        do {
            try authorize(request, settings: settings)
            switch request.route {
            case .version: return .now(version())
            case .ready: return ready()
            case .status: return status()
            case .metrics: return .now(metrics())
            case .api: return .now(apiDescription(settings: settings))
            case .keyCreate: return try createKey(request)
            case .keyImport: return try importKey(request)
            case .keyDescribe: return try describeKey(request)
            case .keyDelete: return try deleteKey(request)
            case .keyList: return try listKeys(request)
            case .keyGenerate: return try generate(request)
            case .keyEncrypt: return try encrypt(request)
            case .keyDecrypt: return try decrypt(request)
            case .keyHMAC: return try hmac(request)
            case .policyDescribe: return .now(try describePolicy(request, settings: settings))
            case .policyRead: return .now(try readPolicy(request, settings: settings))
            case .policyList: return .now(try listPolicies(request, settings: settings))
            case .identityDescribe: return .now(try describeIdentity(request, settings: settings))
            case .identitySelfDescribe: return .now(try describeSelf(request, settings: settings))
            case .identityList: return .now(try listIdentities(request, settings: settings))
            case .logError: return .stream(context.errorLog.stream)
            case .logAudit: return .stream(context.audit.stream)
            case .secretCreate: return try createSecret(request)
            case .secretDescribe: return try describeSecret(request, includeBytes: false)
            case .secretRead: return try describeSecret(request, includeBytes: true)
            case .secretDelete: return try deleteKey(request)
            case .secretList: return try listKeys(request)
            }
        } catch {
            return .now(.error(error))
        }
    }

    /// Path arguments are validated before authorization, as KES 2023 does, so a bad
    /// name is a 400 for everyone.
    private func authorize(_ request: APIRequest, settings: ServerSettings) throws(RequestError) {
        switch request.route {
        case .keyCreate, .keyImport, .keyDescribe, .keyDelete, .keyGenerate, .keyEncrypt, .keyDecrypt, .keyHMAC,
             .policyDescribe, .policyRead, .identityDescribe, .secretCreate, .secretDescribe, .secretRead, .secretDelete:
            try validateName(request.argument)
        case .keyList, .policyList, .identityList, .secretList:
            _ = try listPrefix(request.argument)
        default:
            break
        }
        switch request.route.authorization {
        case .none:
            return
        case .policyUnlessSkipped where settings.skipAuth.contains(request.route):
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
    func logStoreError(_ error: any Error) {
        switch error {
        case KeyStoreError.failed(let text), KeyStoreError.unreachable(let text), KeyStoreError.unavailable(let text):
            context.errorLog.log(text)
        default:
            context.errorLog.log("keystore: \(error)")
        }
    }
}

/// A list response page (TARGET rule 3): names sorted, at most 1000, `continue_at` naming the next page.
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

import KESCore
import KESKeyStore

/// KES's `/v1/secret/*` API, which a downstream KES server configured with
/// `keystore.kes` uses as its key store (server chaining). A secret is the raw stored
/// value under a name, so the downstream server's keys are this server's keys: guard
/// these routes with a policy that names only the downstream server's identity.
extension API {
    func createSecret(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let body = try body(request)
        let type = try body.string("type") ?? "generic"
        guard type == "generic" else { throw RequestError.badRequest("unsupported secret type '\(type)'") }
        let value = try body.bytes("bytes")
        guard !value.isEmpty else { throw RequestError.badRequest("invalid request body: 'bytes' is empty") }
        let name = String(request.argument)
        return creating { [context] in try await context.cache.store.create(name, value: value) }
    }

    /// Describe and read: read also returns the value itself.
    func describeSecret(_ request: APIRequest, includeBytes: Bool) throws(RequestError) -> APIOutcome {
        let name = String(request.argument)
        return .later { [context] in
            do {
                let value = try await context.cache.store.get(name)
                let key = try? StoredKey(parsing: value)
                var json = JSONWriter(capacity: 128 + value.count * 2)
                json.beginObject()
                if includeBytes { json.field("bytes", Base64.encode(value)) }
                json.field("type", "generic")
                json.field("created_at", (key?.createdAt ?? .zero).rfc3339)
                json.field("created_by", key?.createdBy ?? "")
                json.endObject()
                return .json(json)
            } catch KeyStoreError.keyNotFound {
                return .error(.keyNotFound)
            } catch {
                logStoreError(error)
                return .error(.failedToAccess)
            }
        }
    }
}

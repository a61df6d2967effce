import KESCore
import KESKeyStore

extension API {
    func createKey(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let name = String(request.argument)
        let key = StoredKey.generate(.aes256, createdBy: request.identity?.rawValue ?? "")
        return store(key, as: name)
    }

    func importKey(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let body = try body(request)
        let cipher = try body.string("cipher") ?? ""
        guard let algorithm = KeyAlgorithm(name: cipher) else {
            throw RequestError.badRequest("kes: invalid key algorithm '\(cipher)'")
        }
        let bytes = try body.bytes("key")
        guard bytes.count == 32, let secret = try? SecretKey(bytes: bytes, algorithm: algorithm) else {
            throw RequestError.badRequest("invalid key size")
        }
        let key = StoredKey(secret: secret, hmacKey: .random(), createdAt: .now(), createdBy: request.identity?.rawValue ?? "")
        return store(key, as: String(request.argument))
    }

    private func store(_ key: StoredKey, as name: String) -> APIOutcome {
        creating { [context] in try await context.cache.create(name, key: key) }
    }

    /// The create outcome shared by keys and secrets: 200, `key already exists`, or a logged 502.
    func creating(_ create: @escaping @Sendable () async throws -> Void) -> APIOutcome {
        .later {
            do {
                try await create()
                return .ok()
            } catch KeyStoreError.keyExists {
                return .error(.keyExists)
            } catch {
                logStoreError(error)
                return .error(.failedToCreate)
            }
        }
    }

    func describeKey(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let name = String(request.argument)
        return withKey(name) { key in
            var json = JSONWriter(capacity: 256)
            json.beginObject()
            json.field("name", name)
            json.field("id", key.secret.id)
            // KES omits the algorithm of AES256 keys; every client reads a missing one as AES256.
            if key.secret.algorithm != .aes256 { json.field("algorithm", key.secret.algorithm.name) }
            json.field("created_at", key.createdAt.rfc3339)
            if !key.createdBy.isEmpty { json.field("created_by", key.createdBy) }
            json.endObject()
            return .json(json)
        }
    }

    func deleteKey(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let name = String(request.argument)
        return .later { [context] in
            do {
                try await context.cache.delete(name)
                return .ok()
            } catch KeyStoreError.keyNotFound {
                return .error(.keyNotFound)
            } catch {
                logStoreError(error)
                return .error(.failedToDelete)
            }
        }
    }

    func listKeys(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let list = try listArgument(request.argument)
        return .later { [context] in
            do {
                let page = try await context.cache.list(prefix: list.prefix, startingAt: list.start, limit: ListPage.limit)
                return ListPage.json(field: "names", page: page, prefix: list.prefix)
            } catch {
                logStoreError(error)
                return .error(.failedToList)
            }
        }
    }

    func generate(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let context = try body(request).bytes("context")
        return withKey(String(request.argument)) { key in
            let dataKey = key.secret.generateDataKey(context: context)
            return .json(Self.base64Object("plaintext", dataKey.plaintext, "ciphertext", dataKey.ciphertext))
        }
    }

    func encrypt(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let body = try body(request)
        let plaintext = try body.bytes("plaintext")
        let context = try body.bytes("context")
        return withKey(String(request.argument)) { key in
            .json(Self.base64Object("ciphertext", key.secret.encrypt(plaintext, context: context)))
        }
    }

    func decrypt(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let body = try body(request)
        let ciphertext = try body.bytes("ciphertext")
        let context = try body.bytes("context")
        return withKey(String(request.argument)) { key in
            guard let plaintext = try? key.secret.decrypt(ciphertext, context: context) else {
                return .error(.notAuthentic)
            }
            return .json(Self.base64Object("plaintext", plaintext))
        }
    }

    /// docs/compatibility.md, "HMAC": `message` is base64; text that is not base64 is taken as its UTF-8 bytes.
    func hmac(_ request: APIRequest) throws(RequestError) -> APIOutcome {
        let text = try body(request).string("message") ?? ""
        let message = Base64.decode(text) ?? Array(text.utf8)
        return withKey(String(request.argument)) { key in
            guard let hmacKey = key.hmacKey else { return .error(.hmacUnsupported) }
            return .json(Self.base64Object("hmac", hmacKey.authenticate(message)))
        }
    }

    /// Runs `work` on the key: inline when it is cached (no task, no hop), else after loading it.
    private func withKey(_ name: String, _ work: @escaping @Sendable (StoredKey) -> APIResponse) -> APIOutcome {
        if let key = context.cache.cachedKey(name) {
            return .now(work(key))
        }
        return .later { [context] in
            do {
                return work(try await context.cache.key(name))
            } catch KeyStoreError.keyNotFound {
                return .error(.keyNotFound)
            } catch {
                logStoreError(error)
                return .error(.failedToAccess)
            }
        }
    }

    /// `{"<name>":"<base64>",…}`: the crypto responses.
    static func base64Object(_ name: String, _ value: [UInt8], _ name2: String? = nil, _ value2: [UInt8] = []) -> [UInt8] {
        var json = JSONWriter(capacity: 48 + (value.count + value2.count) * 4 / 3)
        json.beginObject()
        json.base64Field(name, value)
        if let name2 { json.base64Field(name2, value2) }
        json.endObject()
        return json.bytes
    }

    static func object(_ pairs: String...) -> [UInt8] {
        var json = JSONWriter(capacity: 192)
        json.beginObject()
        var index = 0
        while index + 1 < pairs.count {
            json.field(pairs[index], pairs[index + 1])
            index += 2
        }
        json.endObject()
        return json.bytes
    }
}

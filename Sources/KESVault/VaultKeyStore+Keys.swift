import Foundation
import KESCore
import KESKeyStore
import NIOHTTP1

/// The four key operations over KES's storage layout (docs/formats.md, "Key store layouts"): the secret's only field is
/// named after the key and holds the key text as a JSON string.
extension VaultKeyStore {
    // Each operation is several calls (a read and a write, a read again on the active node, a
    // Transit call); one deadline covers them all, so the documented 10 s hold for the operation.
    public func create(_ name: String, value: [UInt8]) async throws {
        try await VaultOperation.within(Self.requestTimeout) { try await self.createKey(name, value: value) }
    }

    public func get(_ name: String) async throws -> [UInt8] {
        try await VaultOperation.within(Self.requestTimeout) { try await self.readKey(name) }
    }

    /// Vault answers 204 whether or not the secret existed, so deleting a missing key succeeds.
    public func delete(_ name: String) async throws {
        try await VaultOperation.within(Self.requestTimeout) { try await self.deleteKey(name) }
    }

    public func list(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        try await VaultOperation.within(Self.requestTimeout) {
            try await self.listKeys(prefix: prefix, startingAt: start, limit: limit)
        }
    }

    private func createKey(_ name: String, value: [UInt8]) async throws {
        try checkUsable()
        let location = try secretLocation(name)
        guard let text = String(validating: value, as: UTF8.self) else {
            throw KeyStoreError.failed("vault: failed to create '\(location)': value is not UTF-8 text")
        }

        // Read first: K/V v1 has no create-if-absent, and a clear "exists" beats a CAS error. The
        // active node answers, since a standby may not have seen another server's create yet.
        let existing = try await send(.GET, location, action: "read", consistent: true)
        switch existing.code {
        case 404:
            break
        case 200..<300:
            let fields = try secretFields(of: existing, location: location, duringCreate: true)
            guard fields[name] != nil else {
                throw KeyStoreError.failed("vault: failed to read '\(location)': entry exists but no secret key is present")
            }
            throw KeyStoreError.keyExists
        default:
            throw failure(existing, action: "read", location: location)
        }

        let stored = try await wrapIfConfigured(text, location: location)
        let json = switch layout.version {
        case .v1: try JSONEncoder.kes.encode([name: stored])
        // cas=0 makes the write fail if another server created the key since our read.
        case .v2: try JSONEncoder.kes.encode(VaultKV2Write(options: .init(cas: 0), data: [name: stored]))
        }
        // Sent twice, a create could find its own first write and report "exists".
        let response = try await send(.PUT, location, json: Array(json), action: "create", mayRepeat: false, consistent: true)
        guard response.isSuccess else {
            if layout.version == .v2, response.code == 400, response.failureText.contains("check-and-set") {
                throw KeyStoreError.keyExists
            }
            throw failure(response, action: "create", location: location)
        }
    }

    private func readKey(_ name: String) async throws -> [UInt8] {
        try checkUsable()
        let location = try secretLocation(name)
        var response = try await send(.GET, location, action: "read")
        if response.code == 404 {
            // A standby answers from a copy that trails the active node: ask the active node
            // before calling a key that another server has just created missing.
            response = try await send(.GET, location, action: "read", consistent: true)
        }
        switch response.code {
        case 404:
            throw KeyStoreError.keyNotFound
        case 200..<300:
            let fields = try secretFields(of: response, location: location, duringCreate: false)
            guard let field = fields[name] else {
                throw KeyStoreError.failed("vault: failed to read '\(location)': entry exists but no secret key is present")
            }
            guard let text = field as? String else {
                throw KeyStoreError.failed("vault: failed to read '\(location)': invalid K/V format")
            }
            guard VaultTransit.isWrapped(text) else { return Array(text.utf8) }
            return try await unwrap(text, location: location)
        default:
            throw failure(response, action: "read", location: location)
        }
    }

    private func deleteKey(_ name: String) async throws {
        try checkUsable()
        guard VaultLayout.isValidName(name) else { throw KeyStoreError.failed("vault: invalid key name") }
        let location = layout.deleteLocation(name)
        // Through a standby that has not seen the create yet, a K/V v2 delete can answer 204 and delete nothing.
        let response = try await send(.DELETE, location, action: "delete", consistent: true)
        guard response.isSuccess || response.code == 404 else {
            throw failure(response, action: "delete", location: location)
        }
    }

    private func listKeys(prefix: String, startingAt start: String, limit: Int) async throws -> KeyListPage {
        try checkUsable()
        let location = layout.listLocation
        // GET ?list=true rather than the LIST verb: proxies and load balancers pass it through.
        let response = try await send(.GET, location + "/", query: "list=true", action: "list", consistent: true)
        switch response.code {
        case 404:
            return KeyListPage(names: [])
        case 200..<300:
            guard let data = response.jsonObject()?["data"] as? [String: Any],
                  let keys = data["keys"] as? [Any]
            else {
                throw KeyStoreError.failed("vault: failed to list '\(location)': invalid key listing format")
            }
            // Entries ending in "/" are sub-folders, not keys.
            let names = keys.compactMap { $0 as? String }.filter { !$0.hasSuffix("/") }
            return KeyListPage(allNames: names, prefix: prefix, startingAt: start, limit: limit)
        default:
            throw failure(response, action: "list", location: location)
        }
    }

    // MARK: - Transit

    /// The value to store: the key text itself, or its Transit ciphertext when Transit is configured.
    private func wrapIfConfigured(_ text: String, location: String) async throws -> String {
        guard let transit else { return text }
        let lead = "vault: failed to create '\(location)': failed to encrypt key"
        let response = try await sendTransit(transit.encryptLocation, transit.encryptRequest(Array(text.utf8)), lead: lead)
        guard let ciphertext = transit.ciphertext(in: response) else {
            throw KeyStoreError.failed("\(lead): invalid vault response")
        }
        return ciphertext
    }

    private func unwrap(_ ciphertext: String, location: String) async throws -> [UInt8] {
        guard let transit else {
            // Without the wrapping key the ciphertext would be mistaken for a key and fail later, vaguely.
            throw KeyStoreError.failed("vault: failed to read '\(location)': key is encrypted with vault transit key")
        }
        let lead = "vault: failed to read '\(location)': failed to decrypt key"
        let response = try await sendTransit(transit.decryptLocation, try transit.decryptRequest(ciphertext), lead: lead)
        guard let plaintext = transit.plaintext(in: response) else {
            throw KeyStoreError.failed("\(lead): invalid vault response")
        }
        return plaintext
    }

    /// A Transit call; its refusals (a missing key, a policy without encrypt or decrypt) are
    /// `.failed` with Vault's reason, and leave the token alone: the token is fine, the policy is not.
    private func sendTransit(_ location: String, _ body: [UInt8], lead: String) async throws -> VaultResponse {
        let response: VaultResponse
        do {
            response = try await transport.send(.POST, location, json: body, token: tokens.current, timeout: VaultOperation.remaining)
        } catch {
            throw KeyStoreError.unreachable("vault: no connection to \(transport.endpoint): \(lead): \(error)")
        }
        guard response.isSuccess else {
            if response.saysSealed {
                health.markSealed()
                throw KeyStoreError.unavailable("vault: key store is sealed")
            }
            let text = "\(lead): \(response.failureText)"
            throw response.nodeCannotServe ? KeyStoreError.unavailable(text) : KeyStoreError.failed(text)
        }
        return response
    }

    // MARK: - Plumbing

    /// While the last probe said "sealed", every request would fail anyway.
    private func checkUsable() throws {
        if health.isSealed { throw KeyStoreError.unavailable("vault: key store is sealed") }
    }

    private func secretLocation(_ name: String) throws -> String {
        guard VaultLayout.isValidName(name) else {
            throw KeyStoreError.failed("vault: invalid key name")
        }
        return layout.secretLocation(name)
    }

    /// Sends with the current token; a transport failure becomes `.unreachable`.
    private func send(
        _ method: HTTPMethod, _ location: String, query: String = "", json: [UInt8]? = nil, action: String,
        mayRepeat: Bool = true, consistent: Bool = false
    ) async throws -> VaultResponse {
        do {
            return try await transport.send(
                method, location, query: query, json: json, token: tokens.current, mayRepeat: mayRepeat, consistent: consistent,
                timeout: VaultOperation.remaining)
        } catch {
            throw KeyStoreError.unreachable("vault: no connection to \(transport.endpoint): failed to \(action) '\(location)': \(error)")
        }
    }

    /// The secret's fields: `data` for v1, `data.data` for v2.
    private func secretFields(of response: VaultResponse, location: String, duringCreate: Bool) throws -> [String: Any] {
        // The create path words these like KES does ("entry exist(s) but failed to read").
        let lead = duringCreate ? "vault: entry exists but failed to read '\(location)'" : "vault: failed to read '\(location)'"
        guard let data = response.jsonObject()?["data"] else {
            switch layout.version {
            case .v1:
                let v1Lead = duringCreate ? "vault: entry exist but failed to read '\(location)'" : lead
                throw KeyStoreError.failed("\(v1Lead): invalid K/V v1 format")
            case .v2:
                throw KeyStoreError.failed("\(lead): invalid K/V v2 format: missing 'data' entry")
            }
        }
        switch layout.version {
        case .v1:
            guard let fields = data as? [String: Any] else {
                let v1Lead = duringCreate ? "vault: entry exist but failed to read '\(location)'" : lead
                throw KeyStoreError.failed("\(v1Lead): invalid K/V v1 format")
            }
            return fields
        case .v2:
            guard let envelope = data as? [String: Any], let fields = envelope["data"] as? [String: Any] else {
                throw KeyStoreError.failed("\(lead): invalid K/V v2 format: invalid 'data' entry")
            }
            return fields
        }
    }

    /// Maps a non-success answer: sealed → `.unavailable`, anything else → `.failed`
    /// with Vault's reason. A 403 also asks the token keeper to check its token early.
    private func failure(_ response: VaultResponse, action: String, location: String) -> KeyStoreError {
        if response.saysSealed {
            health.markSealed()
            return .unavailable("vault: key store is sealed")
        }
        if response.code == 403 { tokens.tokenRejected() }
        let text = "vault: failed to \(action) '\(location)': \(response.failureText)"
        // No node could serve (no active node during an election, say): the store is unavailable, not broken.
        return response.nodeCannotServe ? .unavailable(text) : .failed(text)
    }
}

/// A K/V v2 write: `{"options":{"cas":…},"data":{…}}`.
private struct VaultKV2Write: Encodable {
    struct Options: Encodable {
        var cas: Int
    }

    var options: Options
    var data: [String: String]
}

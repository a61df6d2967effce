import Crypto
import Foundation

extension SecretKey {
    /// Seals in format B (MessagePack; docs/formats.md, "Ciphertexts") with a random iv and nonce.
    public func encrypt(_ plaintext: [UInt8], context: [UInt8]) -> [UInt8] {
        encrypt(plaintext, context: context,
                iv: randomBytes(count: Ciphertext.ivSize), nonce: randomBytes(count: Ciphertext.nonceSize))
    }

    /// A new 32-byte data-encryption key and its format B ciphertext under this key: the
    /// generate API. One call to the random generator yields the DEK, iv and nonce.
    public func generateDataKey(context: [UInt8]) -> (plaintext: [UInt8], ciphertext: [UInt8]) {
        let random = randomBytes(count: 32 + Ciphertext.ivSize + Ciphertext.nonceSize)
        let plaintext = Array(random[0..<32])
        let iv = Array(random[32..<(32 + Ciphertext.ivSize)])
        let nonce = Array(random[(32 + Ciphertext.ivSize)...])
        return (plaintext, encrypt(plaintext, context: context, iv: iv, nonce: nonce))
    }

    /// Deterministic variant for tests and vectors. `iv` must be 16 bytes and `nonce` 12.
    public func encrypt(_ plaintext: [UInt8], context: [UInt8], iv: [UInt8], nonce: [UInt8]) -> [UInt8] {
        let sealed = seal(plaintext, context: context, iv: iv, nonce: nonce)
        return MessagePackCiphertext.encode(algorithm: algorithm, keyID: id, iv: iv, nonce: nonce, sealed: sealed)
    }

    /// Opens formats A (JSON), B (MessagePack) and C (raw), detected as docs/formats.md, "Detecting the format",
    /// describes. C uses this key's algorithm; A and B must name it too, unless the key was stored without
    /// one (``algorithmIsStored``), which opens them with the algorithm they name. Any failure → DecryptionError.
    public func decrypt(_ ciphertext: [UInt8], context: [UInt8]) throws(DecryptionError) -> [UInt8] {
        guard let parsed = Ciphertext.parse(ciphertext) else { throw DecryptionError() }
        return try open(parsed, context: context)
    }

    /// The AEAD output (ciphertext ‖ tag) under the per-message key derived from `iv`
    /// (docs/formats.md, "Key derivation").
    func seal(_ plaintext: [UInt8], context: [UInt8], iv: [UInt8], nonce: [UInt8]) -> [UInt8] {
        precondition(iv.count == Ciphertext.ivSize && nonce.count == Ciphertext.nonceSize,
                     "iv must be 16 bytes and nonce 12 bytes")
        let messageKey = derivedKey(iv: iv, algorithm: algorithm)
        // Sealing only fails for malformed nonces, which the precondition above excludes.
        // `combined` is nonce ‖ ciphertext ‖ tag; KES stores the nonce apart.
        switch algorithm {
        case .aes256:
            let box = try! AES.GCM.seal(plaintext, using: messageKey,
                                        nonce: try! AES.GCM.Nonce(data: nonce), authenticating: context)
            return Array(box.combined!.dropFirst(Ciphertext.nonceSize))
        case .chacha20:
            let box = try! ChaChaPoly.seal(plaintext, using: messageKey,
                                           nonce: try! ChaChaPoly.Nonce(data: nonce), authenticating: context)
            return Array(box.combined.dropFirst(Ciphertext.nonceSize))
        }
    }

    func open(_ ciphertext: Ciphertext, context: [UInt8]) throws(DecryptionError) -> [UInt8] {
        let sealed = ciphertext.sealed
        guard ciphertext.iv.count == Ciphertext.ivSize, ciphertext.nonce.count == Ciphertext.nonceSize,
              sealed.count >= Ciphertext.tagSize
        else { throw DecryptionError() }
        let scheme = ciphertext.algorithm ?? algorithm
        // Opening with the other cipher would derive a second key from the same bytes and let a
        // ciphertext choose how the master key is used; KES 2023 refused it the same way.
        if algorithmIsStored && scheme != algorithm { throw DecryptionError() }
        let messageKey = derivedKey(iv: ciphertext.iv, algorithm: scheme)
        // swift-crypto's combined form (nonce ‖ ciphertext ‖ tag) is one copy; building the box
        // from three parts cost three generic appends.
        var combined = [UInt8]()
        combined.reserveCapacity(Ciphertext.nonceSize + sealed.count)
        combined.append(contentsOf: ciphertext.nonce)
        combined.append(contentsOf: sealed)
        do {
            let plaintext: Data
            switch scheme {
            case .aes256:
                plaintext = try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: messageKey, authenticating: context)
            case .chacha20:
                plaintext = try ChaChaPoly.open(ChaChaPoly.SealedBox(combined: combined), using: messageKey, authenticating: context)
            }
            return Array(plaintext)
        } catch {
            throw DecryptionError()
        }
    }

    /// HMAC-SHA256(K, iv) for AES keys, HChaCha20(K, iv) for ChaCha20 keys (docs/formats.md, "Key derivation").
    private func derivedKey(iv: [UInt8], algorithm: KeyAlgorithm) -> SymmetricKey {
        switch algorithm {
        case .aes256:
            var mac = keyedHMAC
            mac.update(data: iv)
            return SymmetricKey(data: mac.finalize())
        case .chacha20:
            return SymmetricKey(data: HChaCha20.derive(key: bytes, input: iv))
        }
    }
}

import Foundation
import Testing
@testable import KESCore

/// A ciphertext's algorithm label must not choose the cipher for a key that has its own
/// (docs/compatibility.md, "Ciphertexts").
@Suite struct CiphertextAlgorithmTests {
    static let plaintext = KeysFixtures.utf8("secret")

    static func other(_ algorithm: KeyAlgorithm) -> KeyAlgorithm {
        algorithm == .aes256 ? .chacha20 : .aes256
    }

    /// The same 32 bytes under the other algorithm, sealing in format A or B, which name it.
    static func sealedUnderOtherAlgorithm(_ key: SecretKey, format: String) throws -> [UInt8] {
        let sibling = try SecretKey(bytes: key.bytes, algorithm: other(key.algorithm))
        let iv = [UInt8](repeating: 3, count: 16), nonce = [UInt8](repeating: 4, count: 12)
        if format == "B" { return sibling.encrypt(plaintext, context: [], iv: iv, nonce: nonce) }
        let sealed = sibling.seal(plaintext, context: [], iv: iv, nonce: nonce)
        return LegacyJSONCiphertext.encode(algorithm: sibling.algorithm, keyID: sibling.id, iv: iv, nonce: nonce, sealed: sealed)
    }

    @Test(arguments: [KeyAlgorithm.aes256, .chacha20], ["A", "B"])
    func aKeyRejectsACiphertextLabelledWithTheOtherAlgorithm(algorithm: KeyAlgorithm, format: String) throws {
        let key = SecretKey.random(algorithm)
        let ciphertext = try Self.sealedUnderOtherAlgorithm(key, format: format)
        #expect(throws: DecryptionError()) { try key.decrypt(ciphertext, context: []) }
        // Exactly what a tampered ciphertext gets, so the answer reveals nothing more.
        #expect(DecryptionError().description == "decryption failed: ciphertext is not authentic")
    }

    @Test(arguments: [KeyAlgorithm.aes256, .chacha20])
    func keysFromTheCurrentFormatsAreBoundToTheirAlgorithm(algorithm: KeyAlgorithm) throws {
        let stored = StoredKey.generate(algorithm, createdBy: "")
        let fromProtobuf = try StoredKey(parsing: stored.encoded()).secret
        #expect(fromProtobuf.algorithmIsStored)
        #expect(throws: DecryptionError()) {
            try fromProtobuf.decrypt(try Self.sealedUnderOtherAlgorithm(fromProtobuf, format: "B"), context: [])
        }

        let name = algorithm == .aes256 ? "AES256" : "ChaCha20"
        let json = #"{"bytes":"\#(Base64.encode(stored.secret.bytes))","algorithm":"\#(name)"}"#
        let fromJSON = try StoredKey(parsing: KeysFixtures.utf8(json)).secret
        #expect(fromJSON.algorithmIsStored)
        #expect(throws: DecryptionError()) {
            try fromJSON.decrypt(try Self.sealedUnderOtherAlgorithm(fromJSON, format: "B"), context: [])
        }
    }

    /// A JSON key stored without an algorithm predates per-key algorithms and opens both.
    @Test(arguments: ["A", "B"])
    func aLegacyKeyWithoutAlgorithmOpensBoth(format: String) throws {
        let bytes = SecretKey.random(.aes256).bytes
        let legacy = try StoredKey(parsing: KeysFixtures.utf8(#"{"bytes":"\#(Base64.encode(bytes))"}"#)).secret
        #expect(!legacy.algorithmIsStored)
        #expect(legacy.algorithm == .aes256)
        for algorithm in [KeyAlgorithm.aes256, .chacha20] {
            let labelled = try SecretKey(bytes: bytes, algorithm: Self.other(algorithm))
            let ciphertext = try Self.sealedUnderOtherAlgorithm(labelled, format: format)
            #expect(try legacy.decrypt(ciphertext, context: []) == Self.plaintext, "\(algorithm.name)")
        }
        // It seals with AES256, the algorithm KES gave such keys.
        let own = legacy.encrypt(Self.plaintext, context: [])
        #expect(try SecretKey(bytes: bytes, algorithm: .aes256).decrypt(own, context: []) == Self.plaintext)
    }

    @Test func theMatchingAlgorithmStillOpens() throws {
        for algorithm in [KeyAlgorithm.aes256, .chacha20] {
            let key = SecretKey.random(algorithm)
            #expect(try key.decrypt(key.encrypt(Self.plaintext, context: [1]), context: [1]) == Self.plaintext)
        }
    }
}

import Foundation
import Testing
@testable import KESCore

@Suite struct CiphertextRoundTripTests {
    static let algorithms: [KeyAlgorithm] = [.aes256, .chacha20]

    @Test(arguments: algorithms)
    func randomKeysRoundTrip(algorithm: KeyAlgorithm) throws {
        let key = SecretKey.random(algorithm)
        for length in [0, 1, 15, 16, 17, 32, 255, 256, 1000, 70_000] {
            let plaintext = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let context = KeysFixtures.utf8(#"{"bucket":"b/o"}"#)
            let ciphertext = key.encrypt(plaintext, context: context)
            #expect(ciphertext.first == 0x95)
            #expect(try key.decrypt(ciphertext, context: context) == plaintext)
        }
    }

    @Test(arguments: algorithms)
    func encryptionIsRandomized(algorithm: KeyAlgorithm) {
        let key = SecretKey.random(algorithm)
        #expect(key.encrypt([1, 2, 3], context: []) != key.encrypt([1, 2, 3], context: []))
    }

    @Test(arguments: algorithms)
    func wrongContextFails(algorithm: KeyAlgorithm) {
        let key = SecretKey.random(algorithm)
        let ciphertext = key.encrypt(KeysFixtures.utf8("secret"), context: KeysFixtures.utf8("a"))
        #expect(throws: DecryptionError()) { try key.decrypt(ciphertext, context: KeysFixtures.utf8("b")) }
        #expect(throws: DecryptionError()) { try key.decrypt(ciphertext, context: []) }
    }

    @Test(arguments: algorithms)
    func anotherKeyFails(algorithm: KeyAlgorithm) {
        let ciphertext = SecretKey.random(algorithm).encrypt(KeysFixtures.utf8("secret"), context: [])
        #expect(throws: DecryptionError()) { try SecretKey.random(algorithm).decrypt(ciphertext, context: []) }
    }

    @Test(arguments: algorithms)
    func formatBUsesTheCiphertextsAlgorithmOnlyForLegacyKeys(algorithm: KeyAlgorithm) throws {
        let key = SecretKey.random(algorithm)
        let ciphertext = key.encrypt(KeysFixtures.utf8("secret"), context: [])
        let other: KeyAlgorithm = algorithm == .aes256 ? .chacha20 : .aes256
        let sameBytesOtherTag = try SecretKey(bytes: key.bytes, algorithm: other)
        #expect(throws: DecryptionError()) { try sameBytesOtherTag.decrypt(ciphertext, context: []) }
        let legacy = try SecretKey(bytes: key.bytes, algorithm: other, algorithmIsStored: false)
        #expect(try legacy.decrypt(ciphertext, context: []) == KeysFixtures.utf8("secret"))
    }

    @Test(arguments: algorithms)
    func everyFormatOfOneSealDecrypts(algorithm: KeyAlgorithm) throws {
        let key = SecretKey.random(algorithm)
        let plaintext = KeysFixtures.utf8("payload")
        let iv = [UInt8](repeating: 9, count: 16)
        let nonce = [UInt8](repeating: 8, count: 12)
        let sealed = key.seal(plaintext, context: [1], iv: iv, nonce: nonce)
        let formatA = LegacyJSONCiphertext.encode(algorithm: algorithm, keyID: key.id, iv: iv, nonce: nonce, sealed: sealed)
        let formatC = Ciphertext(algorithm: nil, iv: iv, nonce: nonce, sealed: sealed).rawEncoded()
        #expect(try key.decrypt(formatA, context: [1]) == plaintext)
        #expect(try key.decrypt(formatC, context: [1]) == plaintext)
        #expect(formatC.count == plaintext.count + 44)
    }

    @Test func tamperingAnyByteFails() {
        let key = SecretKey.random(.aes256)
        let ciphertext = key.encrypt(KeysFixtures.utf8("secret"), context: [])
        // Skip the algorithm name and key ID: the name is checked, the ID is informational.
        for index in 42..<ciphertext.count {
            var tampered = ciphertext
            tampered[index] ^= 0x01
            #expect(throws: DecryptionError(), "byte \(index)") { try key.decrypt(tampered, context: []) }
        }
    }

    @Test func keyIDInsideCiphertextIsNotChecked() throws {
        let key = SecretKey.random(.aes256)
        var ciphertext = key.encrypt(KeysFixtures.utf8("secret"), context: [])
        ciphertext[10] = UInt8(ascii: "x")
        #expect(try key.decrypt(ciphertext, context: []) == KeysFixtures.utf8("secret"))
    }

    @Test(arguments: [0, 1, 16, 28])
    func shortInputsFail(length: Int) {
        let key = SecretKey.random(.aes256)
        #expect(throws: DecryptionError()) { try key.decrypt([UInt8](repeating: 0x95, count: length), context: []) }
        #expect(throws: DecryptionError()) { try key.decrypt([UInt8](repeating: 0, count: length), context: []) }
    }

    @Test func formatARejectsMalformedJSON() throws {
        let key = try SecretKey(bytes: KeysFixtures.zeroKey, algorithm: .aes256)
        let valid = CiphertextKnownAnswerTests.vector1
        #expect(try key.decrypt(KeysFixtures.utf8(valid), context: []) == [UInt8](repeating: 0, count: 16))
        // Whitespace and case-insensitive names are fine, as with Go's decoder.
        let spaced = valid.replacingOccurrences(of: ",", with: " ,\n ").replacingOccurrences(of: "\"aead\"", with: "\"AEAD\"")
        #expect(try key.decrypt(KeysFixtures.utf8(spaced), context: []) == [UInt8](repeating: 0, count: 16))
        let withExtra = valid.replacingOccurrences(of: "{", with: #"{"extra":[1,{"x":null},true,-2.5e3],"#)
        #expect(try key.decrypt(KeysFixtures.utf8(withExtra), context: []) == [UInt8](repeating: 0, count: 16))

        for broken in [
            valid + "x",
            String(valid.dropLast()),
            valid.replacingOccurrences(of: #""aead":"AES-256-GCM-HMAC-SHA-256","#, with: ""),
            valid.replacingOccurrences(of: "AES-256-GCM-HMAC-SHA-256", with: "AES256"),
            valid.replacingOccurrences(of: "{", with: #"{"id":5,"#),
            valid.replacingOccurrences(of: "gu0mGwUkwcvMEoi5", with: "gu0mGwUkwcvMEoi"),
        ] {
            #expect(throws: DecryptionError()) { try key.decrypt(KeysFixtures.utf8(broken), context: []) }
        }
    }
}

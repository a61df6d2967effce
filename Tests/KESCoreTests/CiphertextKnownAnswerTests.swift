import Foundation
import Testing
@testable import KESCore

/// KAT 1–10 and KAT C of docs/formats.md, "Test vectors": ciphertexts produced by real KES. For KAT 1–10 the
/// master key is 32 zero bytes, the context is empty and the plaintext is 16 zero bytes.
@Suite struct CiphertextKnownAnswerTests {
    static let vector1 = #"{"aead":"AES-256-GCM-HMAC-SHA-256","iv":"xLxIN3tSCkg2xMafuvwUwg==","nonce":"gu0mGwUkwcvMEoi5","bytes":"WVgRjeIJm3w50C/l+y7y2i6mbNg5NCAqN1zvOYWZKmc="}"#

    /// Accepted vectors, each under a key of the algorithm it names.
    static let accepted: [(name: String, ciphertext: [UInt8], keyAlgorithm: KeyAlgorithm)] = [
        ("1 A AES", KeysFixtures.utf8(vector1), .aes256),
        ("2 A ChaCha", KeysFixtures.utf8(#"{"aead":"ChaCha20Poly1305","iv":"s3fSZ6vk5m+DfQA8yZWeUg==","nonce":"8/kHMnCMs3h9NZ2a","bytes":"cw22HjLq/4cx8507SW4hhSrYbDiMuRao4b5+GE+XfbE="}"#), .chacha20),
        ("3 A ChaCha with id", KeysFixtures.utf8(#"{"aead":"ChaCha20Poly1305","id":"66687aadf862bd776c8fc18b8e9f8e20","iv":"EC0eZp7Pqt+LnkOae5xaAg==","nonce":"X1ejXKmH/ugFZPkk","bytes":"wIGBTDs6aOvsqJfekZ0PYRT/OHyFX2TXqeNwl1SLXOI="}"#), .chacha20),
        ("4 B AES256-GCM_SHA256", KeysFixtures.base64("lbFBRVMyNTYtR0NNX1NIQTI1NtkgNjY2ODdhYWRmODYyYmQ3NzZjOGZjMThiOGU5ZjhlMjDEEExv7LAd4oz0SaHZrX5LBufEDEKME1ow1CDfUFrqv8QgJuy7Sw+jVqz99TK1HV851LT3K4mwwDv46TB2ngWkAJQ="), .aes256),
        ("5 B XCHACHA20-POLY1305", KeysFixtures.base64("lbJYQ0hBQ0hBMjAtUE9MWTEzMDXZIDY2Njg3YWFkZjg2MmJkNzc2YzhmYzE4YjhlOWY4ZTIwxBBAr+aptD4x2+qfOhiErbnkxAxYs8RmNC1JJXD1hiHEIJ2KqM0jjkME7ndx8nyVseesN83Np0rM5ejVUun+fNFu"), .chacha20),
        ("6 C with AES key", KeysFixtures.base64("zwdDgHeRlIFRnJ7+DIhs/ka7GFK2CFSfDELqg1VCyTQzZ58o7MAdupMLk3ZjlMo2ZUDwldL2o41nAWDc"), .aes256),
    ]

    static let rejected: [(name: String, ciphertext: String)] = [
        ("7 obsolete AES-256-GCM", #"{"aead":"AES-256-GCM","iv":"xLxIN3tSCkg2xMafuvwUwg==","nonce":"gu0mGwUkwcvMEoi5","bytes":"WVgRjeIJm3w50C/l+y7y2i6mbNg5NCAqN1zvOYWZKmc="}"#),
        ("8 20-byte iv", vector1.replacingOccurrences(of: "xLxIN3tSCkg2xMafuvwUwg==", with: "EjOY4JKqjIrPmQ5z1KSR8zlhggY=")),
        ("9 8-byte nonce", vector1.replacingOccurrences(of: "gu0mGwUkwcvMEoi5", with: "efY+4kYF9n8=")),
        ("10 tampered", vector1.replacingOccurrences(of: "WVgRjeIJm3w50C/l+y7y2i6mbNg5NCAqN1zvOYWZKmc=", with: "QTza1g5oX3f9cGJMbY1xJwWPj1F7R2VnNl6XpFKYQy0=")),
    ]

    @Test(arguments: 0..<6)
    func realKESCiphertextsDecrypt(index: Int) throws {
        let vector = Self.accepted[index]
        let key = try SecretKey(bytes: KeysFixtures.zeroKey, algorithm: vector.keyAlgorithm)
        let plaintext = try key.decrypt(vector.ciphertext, context: [])
        #expect(plaintext == [UInt8](repeating: 0, count: 16), "vector \(vector.name)")
    }

    /// A and B name their algorithm; a key of the other one refuses them, while a legacy key
    /// stored without an algorithm opens them.
    @Test(arguments: 0..<5)
    func namedAlgorithmMustMatchTheKey(index: Int) throws {
        let vector = Self.accepted[index]
        let other: KeyAlgorithm = vector.keyAlgorithm == .aes256 ? .chacha20 : .aes256
        let mismatched = try SecretKey(bytes: KeysFixtures.zeroKey, algorithm: other)
        #expect(throws: DecryptionError(), "vector \(vector.name)") { try mismatched.decrypt(vector.ciphertext, context: []) }
        let legacy = try SecretKey(bytes: KeysFixtures.zeroKey, algorithm: .aes256, algorithmIsStored: false)
        #expect(try legacy.decrypt(vector.ciphertext, context: []) == [UInt8](repeating: 0, count: 16), "vector \(vector.name)")
    }

    @Test(arguments: 0..<4)
    func invalidCiphertextsFail(index: Int) throws {
        let vector = Self.rejected[index]
        #expect(vector.ciphertext != Self.vector1, "fixture substitution did not apply")
        for algorithm in [KeyAlgorithm.aes256, .chacha20] {
            let key = try SecretKey(bytes: KeysFixtures.zeroKey, algorithm: algorithm)
            #expect(throws: DecryptionError(), "vector \(vector.name)") {
                try key.decrypt(KeysFixtures.utf8(vector.ciphertext), context: [])
            }
        }
    }

    @Test func formatCWithContext() throws {
        let keyBytes = KeysFixtures.base64("dDHbTWgo+Yh3u804SYB5OyVMy6RiLeJYBQth1f6KlEU=")
        let context = [UInt8](repeating: 0, count: 16)
        let expected = KeysFixtures.base64("CLcJoykFCWZDkEIiUq9bJRqwCwW9ZDvdgu8EMA==")

        let aesKey = try SecretKey(bytes: keyBytes, algorithm: .aes256)
        let aesCiphertext = KeysFixtures.base64("s2gmfQHeGdlyL8x1yEWSACUV3GrSoz3t160hugMgzKWgyqesXDVUJ5Dw5Mt076rR1PNiU9X4YjLH14D8a81t2r2xsz4gVZac")
        #expect(try aesKey.decrypt(aesCiphertext, context: context) == expected)

        let chachaKey = try SecretKey(bytes: keyBytes, algorithm: .chacha20)
        let chachaCiphertext = KeysFixtures.base64("gO4woRIswAJdjUjW7z2ApsSQxJlwB24yjLrmH4eI7sB0uh5nfEJfk9ybTPFft5FRFaZCVBmzhx7OJs9n0WWtxH3sySIxecIK")
        #expect(try chachaKey.decrypt(chachaCiphertext, context: context) == expected)

        // Format C carries no algorithm: the key's algorithm decides, so crossing them fails.
        #expect(throws: DecryptionError()) { try aesKey.decrypt(chachaCiphertext, context: context) }
        #expect(throws: DecryptionError()) { try chachaKey.decrypt(aesCiphertext, context: context) }
        // And the context is bound.
        #expect(throws: DecryptionError()) { try aesKey.decrypt(aesCiphertext, context: []) }
    }

    @Test func errorMessageIsFixed() {
        #expect(DecryptionError().description == "decryption failed: ciphertext is not authentic")
    }
}

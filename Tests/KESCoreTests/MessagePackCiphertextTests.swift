import Testing
@testable import KESCore

@Suite struct MessagePackCiphertextTests {
    static let iv = [UInt8](repeating: 0xA1, count: 16)
    static let nonce = [UInt8](repeating: 0xB2, count: 12)

    /// Builds a format B value by hand, so that each test can vary one element's encoding.
    static func pack(header: [UInt8] = [0x95], name: [UInt8], id: [UInt8], iv: [UInt8], nonce: [UInt8], sealed: [UInt8]) -> [UInt8] {
        header + name + id + iv + nonce + sealed
    }

    static func fixstr(_ text: String) -> [UInt8] { [0xA0 | UInt8(text.utf8.count)] + Array(text.utf8) }
    static func str8(_ text: String) -> [UInt8] { [0xD9, UInt8(text.utf8.count)] + Array(text.utf8) }
    static func str16(_ text: String) -> [UInt8] { [0xDA, 0, UInt8(text.utf8.count)] + Array(text.utf8) }
    static func str32(_ text: String) -> [UInt8] { [0xDB, 0, 0, 0, UInt8(text.utf8.count)] + Array(text.utf8) }
    static func bin8(_ bytes: [UInt8]) -> [UInt8] { [0xC4, UInt8(bytes.count)] + bytes }
    static func bin16(_ bytes: [UInt8]) -> [UInt8] { [0xC5, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes }
    static func bin32(_ bytes: [UInt8]) -> [UInt8] { [0xC6, 0, 0, UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes }

    @Test func encoderUsesShortestForms() {
        let small = MessagePackCiphertext.encode(algorithm: .aes256, keyID: String(repeating: "a", count: 32),
                                                 iv: Self.iv, nonce: Self.nonce, sealed: [1, 2])
        #expect(small == Self.pack(name: Self.fixstr("AES256"), id: Self.str8(String(repeating: "a", count: 32)),
                                   iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce), sealed: Self.bin8([1, 2])))

        let medium = [UInt8](repeating: 3, count: 256)
        let encodedMedium = MessagePackCiphertext.encode(algorithm: .chacha20, keyID: "", iv: Self.iv, nonce: Self.nonce, sealed: medium)
        #expect(encodedMedium == Self.pack(name: Self.fixstr("ChaCha20"), id: [0xA0], iv: Self.bin8(Self.iv),
                                           nonce: Self.bin8(Self.nonce), sealed: Self.bin16(medium)))

        let large = [UInt8](repeating: 4, count: 65_536)
        let encodedLarge = MessagePackCiphertext.encode(algorithm: .aes256, keyID: "", iv: Self.iv, nonce: Self.nonce, sealed: large)
        #expect(Array(encodedLarge[(encodedLarge.count - large.count - 5)..<(encodedLarge.count - large.count)]) == [0xC6, 0, 1, 0, 0])
        #expect(MessagePackCiphertext.decode(encodedLarge)?.sealed == large)
    }

    @Test func decoderAcceptsEveryStringAndBinaryWidth() {
        let sealed = [UInt8](repeating: 5, count: 20)
        let expected = Ciphertext(algorithm: .chacha20, iv: Self.iv, nonce: Self.nonce, sealed: sealed)
        let names = [Self.fixstr("ChaCha20"), Self.str8("ChaCha20"), Self.str16("XCHACHA20-POLY1305"), Self.str32("ChaCha20")]
        let ids = [Self.fixstr("id"), Self.str8("id"), Self.str16("id"), Self.str32("id")]
        let bins: [([UInt8]) -> [UInt8]] = [Self.bin8, Self.bin16, Self.bin32]
        for name in names {
            for id in ids {
                for bin in bins {
                    let packed = Self.pack(name: name, id: id, iv: bin(Self.iv), nonce: bin(Self.nonce), sealed: bin(sealed))
                    #expect(MessagePackCiphertext.decode(packed) == expected)
                }
            }
        }
    }

    @Test func decoderRejectsEveryTruncation() {
        let key = SecretKey.random(.aes256)
        let ciphertext = key.encrypt(KeysFixtures.utf8("truncate me"), context: [])
        for length in 0..<ciphertext.count {
            let truncated = Array(ciphertext.prefix(length))
            #expect(MessagePackCiphertext.decode(truncated) == nil, "length \(length)")
            #expect(throws: DecryptionError()) { try key.decrypt(truncated, context: []) }
        }
    }

    @Test func decoderRejectsTrailingBytes() {
        let key = SecretKey.random(.chacha20)
        let ciphertext = key.encrypt(KeysFixtures.utf8("no trailer"), context: [])
        for trailer in [[0x00], [0xC4, 0x00], [0x95]] as [[UInt8]] {
            #expect(MessagePackCiphertext.decode(ciphertext + trailer) == nil)
            #expect(throws: DecryptionError()) { try key.decrypt(ciphertext + trailer, context: []) }
        }
    }

    @Test func decoderRejectsWrongShapes() {
        let sealed = [UInt8](repeating: 5, count: 20)
        let name = Self.fixstr("AES256")
        let id = Self.fixstr("id")
        let cases: [(String, [UInt8])] = [
            ("array of 4", Self.pack(header: [0x94], name: name, id: id, iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce), sealed: Self.bin8(sealed))),
            ("array16 header", Self.pack(header: [0xDC, 0, 5], name: name, id: id, iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce), sealed: Self.bin8(sealed))),
            ("unknown algorithm", Self.pack(name: Self.fixstr("AES-256-GCM"), id: id, iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce), sealed: Self.bin8(sealed))),
            ("algorithm as bin", Self.pack(name: Self.bin8(Array("AES256".utf8)), id: id, iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce), sealed: Self.bin8(sealed))),
            ("id as bin", Self.pack(name: name, id: Self.bin8([1]), iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce), sealed: Self.bin8(sealed))),
            ("id as nil", Self.pack(name: name, id: [0xC0], iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce), sealed: Self.bin8(sealed))),
            ("iv as str", Self.pack(name: name, id: id, iv: [0xB0] + Self.iv, nonce: Self.bin8(Self.nonce), sealed: Self.bin8(sealed))),
            ("iv of 15", Self.pack(name: name, id: id, iv: Self.bin8(Array(Self.iv.dropLast())), nonce: Self.bin8(Self.nonce), sealed: Self.bin8(sealed))),
            ("nonce of 24", Self.pack(name: name, id: id, iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce + Self.nonce), sealed: Self.bin8(sealed))),
            ("sealed as str", Self.pack(name: name, id: id, iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce), sealed: Self.str8(String(repeating: "x", count: 20)))),
            ("bin32 length overflow", Self.pack(name: name, id: id, iv: Self.bin8(Self.iv), nonce: Self.bin8(Self.nonce), sealed: [0xC6, 0xFF, 0xFF, 0xFF, 0xFF])),
        ]
        for (label, bytes) in cases {
            #expect(MessagePackCiphertext.decode(bytes) == nil, "\(label)")
        }
    }
}

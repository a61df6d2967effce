import Testing
@testable import KESCore

@Suite struct KeyAlgorithmTests {
    @Test(arguments: [
        ("AES256", KeyAlgorithm.aes256), ("AES256-GCM_SHA256", .aes256),
        ("ChaCha20", .chacha20), ("XCHACHA20-POLY1305", .chacha20),
    ])
    func acceptsTheFourNames(name: String, expected: KeyAlgorithm) {
        #expect(KeyAlgorithm(name: name) == expected)
    }

    @Test(arguments: ["", "aes256", "CHACHA20", "AES-256-GCM", "AES-256-GCM-HMAC-SHA-256", "ChaCha20Poly1305", "AES256 "])
    func rejectsOtherNames(name: String) {
        #expect(KeyAlgorithm(name: name) == nil)
    }

    @Test func canonicalNames() {
        #expect(KeyAlgorithm.aes256.name == "AES256")
        #expect(KeyAlgorithm.chacha20.name == "ChaCha20")
    }
}

@Suite struct SecretKeyTests {
    @Test func keyIDOfZeroKey() throws {
        let key = try SecretKey(bytes: KeysFixtures.zeroKey, algorithm: .aes256)
        #expect(key.id == "66687aadf862bd776c8fc18b8e9f8e20")
    }

    @Test func keyIDsOfTheEncryptionVectors() throws {
        let v1 = try SecretKey(bytes: KeysFixtures.hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"), algorithm: .aes256)
        #expect(v1.id == "630dcd2966c4336691125448bbb25b4f")
        let v3 = try SecretKey(bytes: KeysFixtures.hex("1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"), algorithm: .chacha20)
        #expect(v3.id == "69c55c9002eb8c7a4e75d0b49629c4cf")
    }

    @Test(arguments: [0, 16, 31, 33, 64])
    func rejectsWrongLengths(length: Int) {
        #expect(throws: KeyFormatError.self) {
            try SecretKey(bytes: [UInt8](repeating: 7, count: length), algorithm: .aes256)
        }
    }

    @Test func randomKeysDiffer() {
        let first = SecretKey.random(.aes256)
        let second = SecretKey.random(.aes256)
        #expect(first.bytes.count == 32)
        #expect(first != second)
        #expect(SecretKey.random(.chacha20).algorithm == .chacha20)
    }

    @Test func descriptionHidesKeyBytes() throws {
        let key = try SecretKey(bytes: [UInt8](repeating: 0xAB, count: 32), algorithm: .aes256)
        let texts = [String(describing: key), String(reflecting: key), "\(StoredKey(secret: key, hmacKey: .random(), createdAt: .zero, createdBy: ""))"]
        for text in texts {
            #expect(!text.contains("171"))  // 0xAB as a decimal array element
            #expect(!text.lowercased().contains("abab"))
            #expect(!text.contains("q6ur"))  // base64 of 0xAB bytes
        }
    }

    @Test func formatErrorDoesNotLeakBytes() {
        do {
            _ = try SecretKey(bytes: [UInt8](repeating: 0xAB, count: 31), algorithm: .aes256)
            Issue.record("expected an error")
        } catch {
            #expect(!error.reason.contains("171"))
            #expect(!error.reason.lowercased().contains("ab"))
        }
    }
}

@Suite struct HMACKeyTests {
    @Test func vectorFromStoredKeyExample() throws {
        let key = try HMACKey(bytes: KeysFixtures.base64("nLXl4yqa4cjZTcSbsU6sNnN8kP9ARWkXwa20YQZa9Hg="))
        let mac = key.authenticate(KeysFixtures.utf8("Hello World"))
        #expect(Base64.encode(mac) == "yjAJfdVJzrXLR0hzmvEsig3zCdDbx01nkukKVtBu6OA=")
    }

    @Test func authenticatesAnyMessage() throws {
        let key = try HMACKey(bytes: KeysFixtures.zeroKey)
        #expect(key.authenticate([]).count == 32)
        #expect(key.authenticate([1]) != key.authenticate([2]))
    }

    @Test func rejectsWrongLengths() {
        #expect(throws: KeyFormatError.self) { try HMACKey(bytes: [1, 2, 3]) }
    }

    @Test func randomKeysDiffer() {
        #expect(HMACKey.random() != HMACKey.random())
    }
}

@Suite struct KeysEncodingTests {
    @Test func base64RoundTrips() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
    }

    @Test func base64KnownValues() {
        #expect(Base64.encode(KeysFixtures.utf8("f")) == "Zg==")
        #expect(Base64.encode(KeysFixtures.utf8("fo")) == "Zm8=")
        #expect(Base64.encode(KeysFixtures.utf8("foo")) == "Zm9v")
        #expect(Base64.decode("Zm9vYg==") == KeysFixtures.utf8("foob"))
        #expect(Base64.decode("Zm9v\r\nYmE=") == KeysFixtures.utf8("fooba"))
    }

    @Test(arguments: ["Zg", "Zg=", "Z===", "Zm9v=", "Zg==Zg==", "Zm9-", "Zm9_", "Zm 9v", "=Zm9"])
    func base64RejectsMalformedText(text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test func hexRoundTrips() {
        #expect(Hex.encode([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(Hex.decode("000FA0ff") == [0x00, 0x0F, 0xA0, 0xFF])
        #expect(Hex.decode("0") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}

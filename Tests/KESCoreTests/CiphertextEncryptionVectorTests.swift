import Testing
@testable import KESCore

/// Vectors V1–V3 of docs/formats.md, "Test vectors": encryption with fixed iv/nonce must reproduce
/// format B byte for byte.
@Suite struct CiphertextEncryptionVectorTests {
    static let v1Key = KeysFixtures.hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")

    @Test func v1AES256WithoutContext() throws {
        let key = try SecretKey(bytes: Self.v1Key, algorithm: .aes256)
        let iv = KeysFixtures.hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf")
        let nonce = KeysFixtures.hex("b0b1b2b3b4b5b6b7b8b9babb")
        let plaintext = KeysFixtures.utf8("Hello KES")

        #expect(Hex.encode(key.seal(plaintext, context: [], iv: iv, nonce: nonce))
                == "fc7d5169f9944a15febe649d4efe981e04e052fb20db84aca9")

        let formatB = key.encrypt(plaintext, context: [], iv: iv, nonce: nonce)
        #expect(Base64.encode(formatB) == "laZBRVMyNTbZIDYzMGRjZDI5NjZjNDMzNjY5MTEyNTQ0OGJiYjI1YjRmxBCgoaKjpKWmp6ipqqusra6vxAywsbKztLW2t7i5urvEGfx9UWn5lEoV/r5knU7+mB4E4FL7INuErKk=")
        #expect(formatB.count == 92 + plaintext.count)
        #expect(try key.decrypt(formatB, context: []) == plaintext)

        let formatA = #"{"aead":"AES-256-GCM-HMAC-SHA-256","id":"630dcd2966c4336691125448bbb25b4f","iv":"oKGio6SlpqeoqaqrrK2urw==","nonce":"sLGys7S1tre4ubq7","bytes":"/H1RafmUShX+vmSdTv6YHgTgUvsg24SsqQ=="}"#
        #expect(try key.decrypt(KeysFixtures.utf8(formatA), context: []) == plaintext)
        let sealed = key.seal(plaintext, context: [], iv: iv, nonce: nonce)
        #expect(LegacyJSONCiphertext.encode(algorithm: .aes256, keyID: key.id, iv: iv, nonce: nonce, sealed: sealed)
                == KeysFixtures.utf8(formatA))

        let formatC = KeysFixtures.base64("/H1RafmUShX+vmSdTv6YHgTgUvsg24SsqaChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5urs=")
        #expect(try key.decrypt(formatC, context: []) == plaintext)
        #expect(Ciphertext(algorithm: nil, iv: iv, nonce: nonce, sealed: sealed).rawEncoded() == formatC)
    }

    @Test func v2AES256DataKeyWithMinIOContext() throws {
        let key = try SecretKey(bytes: Self.v1Key, algorithm: .aes256)
        let iv = KeysFixtures.hex("101112131415161718191a1b1c1d1e1f")
        let nonce = KeysFixtures.hex("202122232425262728292a2b")
        let plaintext = (0x40...0x5F).map { UInt8($0) }
        let context = KeysFixtures.utf8(#"{"my-bucket":"my-bucket/my-object"}"#)
        #expect(Base64.encode(context) == "eyJteS1idWNrZXQiOiJteS1idWNrZXQvbXktb2JqZWN0In0=")

        #expect(Hex.encode(key.seal(plaintext, context: context, iv: iv, nonce: nonce))
                == "ef9c8d80089418c60e0ef1b6755a3c1e81bdfb119dcb37f177e0a1ff7cf3fe19b63d7ca2255651e1fd5e4affdb4eb083")
        let formatB = key.encrypt(plaintext, context: context, iv: iv, nonce: nonce)
        #expect(formatB.count == 124)
        #expect(Base64.encode(formatB) == "laZBRVMyNTbZIDYzMGRjZDI5NjZjNDMzNjY5MTEyNTQ0OGJiYjI1YjRmxBAQERITFBUWFxgZGhscHR4fxAwgISIjJCUmJygpKivEMO+cjYAIlBjGDg7xtnVaPB6BvfsRncs38Xfgof988/4Ztj18oiVWUeH9Xkr/206wgw==")
        #expect(try key.decrypt(formatB, context: context) == plaintext)
        #expect(throws: DecryptionError()) { try key.decrypt(formatB, context: []) }
    }

    @Test func v3ChaCha20WithContext() throws {
        let key = try SecretKey(bytes: KeysFixtures.hex("1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"), algorithm: .chacha20)
        let iv = KeysFixtures.hex("303132333435363738393a3b3c3d3e3f")
        let nonce = KeysFixtures.hex("505152535455565758595a5b")
        let plaintext = KeysFixtures.utf8("Hello World!\n")
        let context = KeysFixtures.utf8("my-context")

        #expect(Hex.encode(key.seal(plaintext, context: context, iv: iv, nonce: nonce))
                == "102b914d3511d8da41fb01e765ca8bf1f203fd9fc2f97de143d10c55a7")
        let formatB = key.encrypt(plaintext, context: context, iv: iv, nonce: nonce)
        #expect(Base64.encode(formatB) == "lahDaGFDaGEyMNkgNjljNTVjOTAwMmViOGM3YTRlNzVkMGI0OTYyOWM0Y2bEEDAxMjM0NTY3ODk6Ozw9Pj/EDFBRUlNUVVZXWFlaW8QdECuRTTUR2NpB+wHnZcqL8fID/Z/C+X3hQ9EMVac=")
        #expect(formatB.count == 94 + plaintext.count)
        #expect(try key.decrypt(formatB, context: context) == plaintext)

        let formatA = #"{"aead":"ChaCha20Poly1305","id":"69c55c9002eb8c7a4e75d0b49629c4cf","iv":"MDEyMzQ1Njc4OTo7PD0+Pw==","nonce":"UFFSU1RVVldYWVpb","bytes":"ECuRTTUR2NpB+wHnZcqL8fID/Z/C+X3hQ9EMVac="}"#
        #expect(try key.decrypt(KeysFixtures.utf8(formatA), context: context) == plaintext)
    }
}

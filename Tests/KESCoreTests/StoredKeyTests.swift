import Foundation
import Testing
@testable import KESCore

@Suite struct StoredKeyTests {
    static let protobufExample = "CiQKIMiHG7XrN94FuwblJJor4f7f6rbqAl7DwsLaiIoyz0D2EAESJAognLXl4yqa4cjZTcSbsU6sNnN8kP9ARWkXwa20YQZa9HgQARoMCNithK0GEID67qYDIkAzZWNmY2RmMzhmY2JlMTQxYWUyNmExMDMwZjgxZTk2Yjc1MzM2NWE0Njc2MGFlNmI1Nzg2OThhOTdjNTlmZDIy"
    static let creator = "3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22"

    @Test func readsThe2023JSONExample() throws {
        let json = #"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","algorithm":"AES256-GCM_SHA256","created_at":"2009-11-10T23:00:00Z","created_by":"40235905b7b83e0537a002db523cd019d6709b899adc249c957860cd00fa9f78"}"#
        let key = try StoredKey(parsing: KeysFixtures.utf8(json))
        #expect(Hex.encode(key.secret.bytes) == "27caa63b2115d9c7b6ca8002fb9b7463b0923ff853329a4bed71e9027c9cfb41")
        #expect(key.secret.algorithm == .aes256)
        #expect(key.hmacKey == nil)
        #expect(key.createdAt.rfc3339 == "2009-11-10T23:00:00Z")
        #expect(key.createdBy == "40235905b7b83e0537a002db523cd019d6709b899adc249c957860cd00fa9f78")
        #expect(String(decoding: key.encodedJSON(), as: UTF8.self)
                == #"{"version":"v1","bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","created_at":"2009-11-10T23:00:00Z","created_by":"40235905b7b83e0537a002db523cd019d6709b899adc249c957860cd00fa9f78"}"#)
    }

    @Test func reencodesTheChaCha20JSONExampleExactly() throws {
        let json = #"{"version":"v1","bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","algorithm":"ChaCha20","created_at":"2023-10-05T09:12:44.123456789Z","created_by":"3ecfcdf38fcbe141ae26a1030f81e96b753365a46760ae6b578698a97c59fd22"}"#
        let key = try StoredKey(parsing: KeysFixtures.utf8(json))
        #expect(key.secret.algorithm == .chacha20)
        #expect(key.createdAt.nanoseconds == 123_456_789)
        #expect(key.encodedJSON() == KeysFixtures.utf8(json))
    }

    @Test func readsTheProtobufExample() throws {
        let key = try StoredKey(parsing: KeysFixtures.utf8(Self.protobufExample))
        #expect(Base64.encode(key.secret.bytes) == "yIcbtes33gW7BuUkmivh/t/qtuoCXsPCwtqIijLPQPY=")
        #expect(key.secret.algorithm == .aes256)
        #expect(key.hmacKey.map { Base64.encode($0.bytes) } == "nLXl4yqa4cjZTcSbsU6sNnN8kP9ARWkXwa20YQZa9Hg=")
        #expect(key.createdAt == Timestamp(seconds: 1_705_055_960, nanoseconds: 886_816_000))
        #expect(key.createdAt.rfc3339 == "2024-01-12T10:39:20.886816Z")
        #expect(key.createdBy == Self.creator)

        let mac = try #require(key.hmacKey).authenticate(KeysFixtures.base64("SGVsbG8gV29ybGQ="))
        #expect(Base64.encode(mac) == "yjAJfdVJzrXLR0hzmvEsig3zCdDbx01nkukKVtBu6OA=")
    }

    @Test func reencodesTheProtobufExampleByteForByte() throws {
        let key = try StoredKey(parsing: KeysFixtures.utf8(Self.protobufExample))
        #expect(String(decoding: key.encoded(), as: UTF8.self) == Self.protobufExample)
    }

    @Test func toleratesSurroundingWhitespace() throws {
        let key = try StoredKey(parsing: KeysFixtures.utf8(Self.protobufExample + "\n"))
        #expect(key.createdBy == Self.creator)
        let json = try StoredKey(parsing: KeysFixtures.utf8(" {\"bytes\":\"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=\"}\n"))
        #expect(json.secret.algorithm == .aes256)
    }

    @Test(arguments: [KeyAlgorithm.aes256, .chacha20])
    func generatedKeysRoundTripInBothFormats(algorithm: KeyAlgorithm) throws {
        let key = StoredKey.generate(algorithm, createdBy: Self.creator)
        #expect(key.hmacKey != nil)
        #expect(try StoredKey(parsing: key.encoded()) == key)

        var withoutHMAC = key
        withoutHMAC.hmacKey = nil
        #expect(try StoredKey(parsing: withoutHMAC.encoded()) == withoutHMAC)
        // The JSON form leaves AES256 out, which reads back as a key without a stored algorithm.
        var fromJSON = withoutHMAC
        fromJSON.secret = try SecretKey(bytes: key.secret.bytes, algorithm: algorithm, algorithmIsStored: algorithm != .aes256)
        #expect(try StoredKey(parsing: key.encodedJSON()) == fromJSON)
    }

    @Test func protobufRoundTripsUnusualValues() throws {
        let secret = try SecretKey(bytes: KeysFixtures.zeroKey, algorithm: .chacha20)
        for createdAt in [Timestamp.zero, Timestamp(seconds: 0, nanoseconds: 0), Timestamp(seconds: -1, nanoseconds: 5)] {
            for createdBy in ["", "ü<&>\"\\"] {
                let key = StoredKey(secret: secret, hmacKey: nil, createdAt: createdAt, createdBy: createdBy)
                #expect(try StoredKey(parsing: key.encoded()) == key)
                #expect(try StoredKey(parsing: key.encodedJSON()) == key)
            }
        }
    }

    @Test func jsonEscapesLikeGo() throws {
        let secret = try SecretKey(bytes: KeysFixtures.zeroKey, algorithm: .aes256)
        let key = StoredKey(secret: secret, hmacKey: nil, createdAt: .zero, createdBy: "a<b>&\"\n")
        #expect(String(decoding: key.encodedJSON(), as: UTF8.self)
                == #"{"version":"v1","bytes":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","created_at":"0001-01-01T00:00:00Z","created_by":"a\u003cb\u003e\u0026\"\n"}"#)
    }

    @Test func minimalLegacyJSON() throws {
        let key = try StoredKey(parsing: KeysFixtures.utf8(#"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E="}"#))
        #expect(key.secret.algorithm == .aes256)
        #expect(key.createdAt == .zero)
        #expect(key.createdBy == "")
        #expect(key.hmacKey == nil)
    }

    @Test func jsonFieldNamesAreCaseInsensitive() throws {
        let key = try StoredKey(parsing: KeysFixtures.utf8(#"{"Version":"v1","BYTES":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","Algorithm":"XCHACHA20-POLY1305","Created_At":"2023-10-05T09:12:44Z","unknown":{"a":[1,2]}}"#))
        #expect(key.secret.algorithm == .chacha20)
        #expect(key.createdAt.rfc3339 == "2023-10-05T09:12:44Z")
    }

    @Test(arguments: [
        #"{"version":"v2","bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E="}"#,
        #"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","algorithm":""}"#,
        #"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","algorithm":"AES-256"}"#,
        #"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","created_at":"yesterday"}"#,
        #"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=","created_at":5}"#,
        #"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL"}"#,
        #"{"bytes":"not base64"}"#,
        #"{"algorithm":"AES256"}"#,
        #"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E=""#,
        #"{"bytes":"J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL7XHpAnyc+0E="}{}"#,
        "",
        "   ",
        "not base64 at all!",
        "AAAA",
        "CiQKIMiHG7XrN94F",
    ])
    func rejectsMalformedValues(value: String) {
        #expect(throws: KeyFormatError.self) { try StoredKey(parsing: KeysFixtures.utf8(value)) }
    }

    @Test func protobufRejectsUnknownTypesAndHashes() throws {
        let key = try StoredKey(parsing: KeysFixtures.utf8(Self.protobufExample))
        var bytes = key.protobufEncoded()
        // The SecretKey type byte follows its 32 key bytes: 0a 24 0a 20 <32> 10 01.
        #expect(Array(bytes[36...37]) == [0x10, 0x01])
        bytes[37] = 3
        #expect(throws: KeyFormatError.self) { try StoredKey.parseProtobuf(bytes) }
        bytes[37] = 2
        #expect(try StoredKey.parseProtobuf(bytes).secret.algorithm == .chacha20)

        var hmac = key.protobufEncoded()
        #expect(Array(hmac[74...75]) == [0x10, 0x01])
        hmac[75] = 2
        #expect(throws: KeyFormatError.self) { try StoredKey.parseProtobuf(hmac) }
    }

    @Test func protobufSkipsUnknownFields() throws {
        let key = try StoredKey(parsing: KeysFixtures.utf8(Self.protobufExample))
        // Field 9 varint, field 10 fixed64, field 11 bytes, field 12 fixed32.
        let unknown: [UInt8] = [0x48, 0x96, 0x01, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5A, 0x02, 0xAB, 0xCD, 0x65, 1, 2, 3, 4]
        #expect(try StoredKey.parseProtobuf(unknown + key.protobufEncoded() + unknown) == key)
        #expect(throws: KeyFormatError.self) { try StoredKey.parseProtobuf(key.protobufEncoded() + [0x5A, 0x05, 0x01]) }
        #expect(throws: KeyFormatError.self) { try StoredKey.parseProtobuf(key.protobufEncoded() + [0x0B]) }
    }

    @Test func formatErrorsNeverContainKeyMaterial() {
        let keyText = "J8qmOyEV2ce2yoAC+5t0Y7CSP/hTMppL"
        do {
            _ = try StoredKey(parsing: KeysFixtures.utf8("{\"bytes\":\"\(keyText)\"}"))
            Issue.record("expected an error")
        } catch {
            #expect(!error.description.contains(keyText))
        }
    }
}

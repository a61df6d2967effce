import Testing
@testable import KESCore

@Suite struct APIKeyTests {
    // The API-key vectors of docs/formats.md, "Identities and API keys".
    @Test(arguments: [
        ("kes:v1:ADsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP+3+JSfx5Wq",
         "7bbffa635fc160ef8048a344a53aab54e472e5c654c6339a9cec9223301808c7"),
        ("kes:v1:ACQpoGqx3rHHjT938Hfu5hVVQJHZWSqVI2Xp1KlYxFVw",
         "0426fa9a04bc2756b92fbe8a97e1a1e07b53ecf04ed33da22c33e5c9faeb8cbb"),
    ])
    func identityOfKnownKeys(text: String, identity: String) throws {
        let key = try APIKey(text)
        #expect(key.identity.rawValue == identity)
        #expect(key.text == text)
    }

    @Test func publicKeyOfSecondVector() throws {
        let key = try APIKey("kes:v1:ACQpoGqx3rHHjT938Hfu5hVVQJHZWSqVI2Xp1KlYxFVw")
        #expect(Hex.encode(key.privateKey.publicKey.rawRepresentation)
            == "a06f6aa534af7404add2f025e748a9cf6f7abf1a7cbd458e12b37c4cd107269e")
    }

    @Test func randomKeysRoundTrip() throws {
        let key = APIKey.random()
        #expect(key.text.hasPrefix("kes:v1:"))
        #expect(key.text.utf8.count == 51)
        let parsed = try APIKey(key.text)
        #expect(parsed.identity == key.identity)
        #expect(APIKey.random().identity != key.identity)
    }

    @Test(arguments: [
        ("", APIKeyError.missingPrefix),
        ("kes:v2:ADsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP+3+JSfx5Wq", .missingPrefix),
        ("kes:v1:not base64!", .invalidEncoding),
        ("kes:v1:ADsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP-3-JSfx5Wq", .invalidEncoding),  // URL-safe alphabet
        ("kes:v1:AAAA", .invalidLength),
        ("kes:v1:ADsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP+3+JSfx5WqAA==", .invalidLength),
        ("kes:v1:ATsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP+3+JSfx5Wq", .unsupportedKeyType),
    ])
    func rejectsMalformedKeys(text: String, error: APIKeyError) {
        #expect(throws: error) { try APIKey(text) }
    }

    @Test func neitherErrorsNorDescriptionRevealTheSecret() throws {
        let text = "kes:v1:ADsGCjJoWziQ82wPUG6oHbqhhlbkajaRGP+3+JSfx5Wq"
        let key = try APIKey(text)
        #expect(!String(describing: key).contains("ADsGCj"))
        #expect(!String(reflecting: key).contains("ADsGCj"))
        for error in [APIKeyError.missingPrefix, .invalidEncoding, .invalidLength, .unsupportedKeyType] {
            #expect(error.description.hasPrefix("invalid API key"))
        }
    }
}

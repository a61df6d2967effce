import Foundation
import Testing

@testable import KESAWS

/// AWS's published Signature Version 4 test suite
/// (docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html), checked at
/// each stage: canonical request, string to sign, and Authorization header.
@Suite struct SigV4SignerTests {
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    )
    /// 2015-08-30T12:36:00Z
    static let date = Date(timeIntervalSince1970: 1_440_938_160)
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let scope = "20150830/us-east-1/service/aws4_request"

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var request: SigV4Request
        var canonicalRequest: String
        var stringToSignHash: String
        var signedHeaders: String
        var signature: String
        var testDescription: String { name }
    }

    static func get(_ path: String, _ query: [SigV4Request.QueryItem] = [], headers extra: [SigV4Request.Header] = [])
        -> SigV4Request
    {
        SigV4Request(
            method: "GET", path: path, query: query,
            headers: [.init("Host", "example.amazonaws.com")] + extra + [.init("X-Amz-Date", "20150830T123600Z")])
    }

    static func plainCanonical(_ method: String, _ uri: String, _ query: String = "") -> String {
        "\(method)\n\(uri)\n\(query)\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\(emptyHash)"
    }

    static let vectors: [Vector] = [
        Vector(
            name: "get-vanilla", request: get("/"), canonicalRequest: plainCanonical("GET", "/"),
            stringToSignHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            signedHeaders: "host;x-amz-date",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(
            name: "get-vanilla-empty-query-key", request: get("/", [.init("Param1", "value1")]),
            canonicalRequest: plainCanonical("GET", "/", "Param1=value1"),
            stringToSignHash: "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
            signedHeaders: "host;x-amz-date",
            signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        Vector(
            name: "get-vanilla-query-order-key", request: get("/", [.init("Param1", "value2"), .init("Param1", "Value1")]),
            canonicalRequest: plainCanonical("GET", "/", "Param1=Value1&Param1=value2"),
            stringToSignHash: "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
            signedHeaders: "host;x-amz-date",
            signature: "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"),
        Vector(
            name: "get-vanilla-query-order-key-case",
            request: get("/", [.init("Param2", "value2"), .init("Param1", "value1")]),
            canonicalRequest: plainCanonical("GET", "/", "Param1=value1&Param2=value2"),
            stringToSignHash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
            signedHeaders: "host;x-amz-date",
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(
            name: "get-vanilla-query-order-value",
            request: get("/", [.init("Param1", "value2"), .init("Param1", "value1")]),
            canonicalRequest: plainCanonical("GET", "/", "Param1=value1&Param1=value2"),
            stringToSignHash: "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
            signedHeaders: "host;x-amz-date",
            signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
        Vector(
            name: "get-vanilla-query-unreserved",
            request: get(
                "/",
                [
                    .init(
                        "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                        "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
                ]),
            canonicalRequest: plainCanonical(
                "GET", "/",
                "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
            ),
            stringToSignHash: "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
            signedHeaders: "host;x-amz-date",
            signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        Vector(
            name: "get-vanilla-utf8-query", request: get("/", [.init("ሴ", "bar")]),
            canonicalRequest: plainCanonical("GET", "/", "%E1%88%B4=bar"),
            stringToSignHash: "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
            signedHeaders: "host;x-amz-date",
            signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(
            name: "get-unreserved", request: get("/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
            canonicalRequest: plainCanonical("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
            stringToSignHash: "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
            signedHeaders: "host;x-amz-date",
            signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        Vector(
            name: "get-utf8", request: get("/ሴ"), canonicalRequest: plainCanonical("GET", "/%E1%88%B4"),
            stringToSignHash: "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
            signedHeaders: "host;x-amz-date",
            signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        Vector(
            name: "get-space", request: get("/example space/"),
            canonicalRequest: plainCanonical("GET", "/example%20space/"),
            stringToSignHash: "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
            signedHeaders: "host;x-amz-date",
            signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        Vector(
            name: "get-relative-relative", request: get("/example1/example2/../.."),
            canonicalRequest: plainCanonical("GET", "/"),
            stringToSignHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            signedHeaders: "host;x-amz-date",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(
            name: "get-slash-pointless-dot", request: get("/./example"),
            canonicalRequest: plainCanonical("GET", "/example"),
            stringToSignHash: "214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
            signedHeaders: "host;x-amz-date",
            signature: "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"),
        Vector(
            name: "get-slashes", request: get("//example//"),
            canonicalRequest: plainCanonical("GET", "/example/"),
            stringToSignHash: "cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
            signedHeaders: "host;x-amz-date",
            signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
        Vector(
            name: "get-header-key-duplicate",
            request: get(
                "/",
                headers: [.init("My-Header1", "value2"), .init("My-Header1", "value2"), .init("My-Header1", "value1")]),
            canonicalRequest:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n\(emptyHash)",
            stringToSignHash: "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
            signedHeaders: "host;my-header1;x-amz-date",
            signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        Vector(
            name: "get-header-value-multiline",
            request: get("/", headers: [.init("My-Header1", "value1\n  value2\n     value3")]),
            canonicalRequest:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1,value2,value3\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n\(emptyHash)",
            stringToSignHash: "b7b6cbfd8a0430b78891e986784da2630c8a135a8595cec25b26ea94f926ee55",
            signedHeaders: "host;my-header1;x-amz-date",
            signature: "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790"),
        Vector(
            name: "get-header-value-trim",
            request: get("/", headers: [.init("My-Header1", " value1"), .init("My-Header2", " \"a   b   c\"")]),
            canonicalRequest:
                "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n\(emptyHash)",
            stringToSignHash: "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
            signedHeaders: "host;my-header1;my-header2;x-amz-date",
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(
            name: "post-vanilla",
            request: SigV4Request(
                method: "POST",
                headers: [.init("Host", "example.amazonaws.com"), .init("X-Amz-Date", "20150830T123600Z")]),
            canonicalRequest: plainCanonical("POST", "/"),
            stringToSignHash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            signedHeaders: "host;x-amz-date",
            signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(
            name: "post-header-key-sort",
            request: SigV4Request(
                method: "POST",
                headers: [
                    .init("Host", "example.amazonaws.com"), .init("My-Header1", "value1"),
                    .init("X-Amz-Date", "20150830T123600Z"),
                ]),
            canonicalRequest:
                "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n\(emptyHash)",
            stringToSignHash: "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
            signedHeaders: "host;my-header1;x-amz-date",
            signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        Vector(
            name: "post-header-value-case",
            request: SigV4Request(
                method: "POST",
                headers: [
                    .init("Host", "example.amazonaws.com"), .init("My-Header1", "VALUE1"),
                    .init("X-Amz-Date", "20150830T123600Z"),
                ]),
            canonicalRequest:
                "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n\(emptyHash)",
            stringToSignHash: "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
            signedHeaders: "host;my-header1;x-amz-date",
            signature: "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
        Vector(
            name: "post-vanilla-query",
            request: SigV4Request(
                method: "POST", query: [.init("Param1", "value1")],
                headers: [.init("Host", "example.amazonaws.com"), .init("X-Amz-Date", "20150830T123600Z")]),
            canonicalRequest: plainCanonical("POST", "/", "Param1=value1"),
            stringToSignHash: "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
            signedHeaders: "host;x-amz-date",
            signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        // The suite's .creq file for this case lists content-length, but its .sts and
        // .authz (the values AWS verifies) sign only content-type;host;x-amz-date.
        Vector(
            name: "post-x-www-form-urlencoded",
            request: SigV4Request(
                method: "POST",
                headers: [
                    .init("Content-Type", "application/x-www-form-urlencoded"),
                    .init("Host", "example.amazonaws.com"), .init("X-Amz-Date", "20150830T123600Z"),
                ],
                body: Array("Param1=value1".utf8)),
            canonicalRequest:
                "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            stringToSignHash: "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
            signedHeaders: "content-type;host;x-amz-date",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ]

    @Test(arguments: vectors)
    func publishedSuite(_ vector: Vector) {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "service")
        let result = signer.signature(for: vector.request, date: Self.date)
        #expect(result.canonicalRequest == vector.canonicalRequest)
        #expect(result.signedHeaders == vector.signedHeaders)
        #expect(
            result.stringToSign == "AWS4-HMAC-SHA256\n20150830T123600Z\n\(Self.scope)\n\(vector.stringToSignHash)")
        #expect(result.signature == vector.signature)
        #expect(
            result.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\(Self.scope), SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)"
        )
    }

    /// post-sts-header-before: the session token is added before signing and so is signed.
    @Test func sessionTokenIsSigned() {
        let token =
            "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
        var credentials = Self.credentials
        credentials.sessionToken = token
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")
        var request = SigV4Request(method: "POST", headers: [.init("Host", "example.amazonaws.com")])
        let result = signer.sign(&request, date: Self.date)
        #expect(request.header("X-Amz-Date") == "20150830T123600Z")
        #expect(request.header("X-Amz-Security-Token") == token)
        #expect(result.signedHeaders == "host;x-amz-date;x-amz-security-token")
        #expect(
            result.stringToSign
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n\(Self.scope)\nc237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6"
        )
        #expect(result.signature == "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead")
        #expect(request.header("Authorization") == result.authorization)
    }

    /// The worked IAM `ListUsers` example from the AWS General Reference.
    @Test func iamListUsersExample() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "iam")
        #expect(
            SigV4Signer.hex(signer.signingKey(day: "20150830"))
                == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
        let request = SigV4Request(
            method: "GET",
            query: [.init("Action", "ListUsers"), .init("Version", "2010-05-08")],
            headers: [
                .init("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                .init("Host", "iam.amazonaws.com"),
                .init("X-Amz-Date", "20150830T123600Z"),
            ])
        let result = signer.signature(for: request, date: Self.date)
        #expect(
            result.canonicalRequest
                == "GET\n/\nAction=ListUsers&Version=2010-05-08\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n\(Self.emptyHash)"
        )
        #expect(
            result.stringToSign
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\nf536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        )
        #expect(result.signature == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }

    @Test func optionalContentSHA256HeaderIsSigned() {
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "service")
        var request = SigV4Request(
            method: "POST", headers: [.init("Host", "example.amazonaws.com")], body: Array("Param1=value1".utf8))
        let result = signer.sign(&request, date: Self.date, includeContentSHA256: true)
        #expect(
            request.header("x-amz-content-sha256")
                == "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e")
        #expect(result.signedHeaders == "host;x-amz-content-sha256;x-amz-date")
    }

    @Test func dateStampsAreUTC() {
        let stamp = SigV4Date(Date(timeIntervalSince1970: 0))
        #expect(stamp.dateTime == "19700101T000000Z")
        #expect(stamp.day == "19700101")
    }
}

/// A Secrets Manager request exactly as `AWSJSONClient` builds it, against the
/// canonical request and signature botocore's SigV4Auth computes for it.
@Suite struct AWSJSONRequestSigningTests {
    @Test func createSecretMatchesBotocore() throws {
        let endpoint = try #require(AWSEndpoint("secretsmanager.us-east-1.amazonaws.com"))
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            sessionToken: "session-token")
        let client = AWSJSONClient(
            endpoint: endpoint,
            credentials: StaticCredentialsProvider(credentials),
            region: "us-east-1",
            service: "secretsmanager",
            targetPrefix: "secretsmanager")
        let request = client.signedRequest(
            action: "CreateSecret", body: Array(#"{"Name":"my-key","SecretString":"x"}"#.utf8),
            credentials: credentials, date: SigV4SignerTests.date)
        let (canonical, _) = SigV4Signer.canonicalRequest(
            SigV4Request(
                method: request.method, path: request.path,
                headers: request.headers.filter { $0.name != "Authorization" }, body: request.body))
        #expect(
            canonical
                == "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:secretsmanager.us-east-1.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:session-token\nx-amz-target:secretsmanager.CreateSecret\n\ncontent-type;host;x-amz-date;x-amz-security-token;x-amz-target\n39f68574ec088c01567a1cb2cc1691897e8fd6fecf0731b24f22cfc0d65920c6"
        )
        #expect(
            request.header("Authorization")
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=3b6ed8813635e1031babcd9bab2b65242e1f949d680ab9290348066d85fa0179"
        )
    }
}

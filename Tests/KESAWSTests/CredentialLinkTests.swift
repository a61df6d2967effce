import AsyncHTTPClient
import Foundation
import Testing

@testable import KESAWS

/// Each networked link against a small local responder that plays the service and records what
/// it was sent.
@Suite struct InstanceMetadataLinkTests {
    static let rolePath = "/latest/meta-data/iam/security-credentials/"

    static func metadata(_ responder: LocalHTTPResponder) throws -> InstanceMetadataCredentials {
        try InstanceMetadataCredentials.fromEnvironment(
            ["AWS_EC2_METADATA_SERVICE_ENDPOINT": responder.url], httpClient: ChainTest.client
        ).get()
    }

    /// The two reads after the token: the role list (with a trailing newline, as EC2 may send
    /// it), then the role's document.
    static func roleAnswer(_ path: String, role: String, id: String) -> LocalHTTPResponder.Response {
        switch path {
        case rolePath: .init(200, role + "\n")
        case rolePath + role: .init(200, ChainTest.json(id))
        default: .init(404)
        }
    }

    @Test func imdsV2SendsTheSessionTokenOnEveryRead() async throws {
        try await LocalHTTPResponder.start { request in
            if request.method == "PUT", request.path == "/latest/api/token" {
                return .init(request.headers["x-aws-ec2-metadata-token-ttl-seconds"] == "21600" ? 200 : 400, "session-1")
            }
            guard request.headers["x-aws-ec2-metadata-token"] == "session-1" else { return .init(401) }
            return Self.roleAnswer(request.path, role: "kes-role", id: "IMDS-V2")
        }.run { responder in
            let (role, fetched) = try await Self.metadata(responder).fetch()
            #expect(role == "kes-role")
            #expect(fetched.credentials == AWSCredentials(accessKeyID: "IMDS-V2", secretAccessKey: "secret-IMDS-V2", sessionToken: "token-IMDS-V2"))
            #expect(try #require(fetched.expiration).timeIntervalSinceNow > 3500)
            #expect(responder.requests.map(\.method) == ["PUT", "GET", "GET"])
        }
    }

    @Test(arguments: [403, 404, 405])
    func imdsV1WhenTheTokenAPIRefuses(status: Int) async throws {
        try await LocalHTTPResponder.start { request in
            if request.method == "PUT" { return .init(status) }
            guard request.headers["x-aws-ec2-metadata-token"] == nil else { return .init(400) }
            return Self.roleAnswer(request.path, role: "v1-role", id: "IMDS-V1")
        }.run { responder in
            let (role, fetched) = try await Self.metadata(responder).fetch()
            #expect(role == "v1-role")
            #expect(fetched.credentials.accessKeyID == "IMDS-V1")
        }
    }

    @Test func otherTokenFailuresAreNotMistakenForIMDSv1() async throws {
        try await LocalHTTPResponder.start { _ in .init(400) }.run { responder in
            await #expect(throws: AWSCredentialsError("instance metadata \(responder.url) token: HTTP 400")) {
                _ = try await Self.metadata(responder).fetch()
            }
            #expect(responder.requests.count == 1)
        }
    }

    @Test func noRoleAttached() async throws {
        try await LocalHTTPResponder.start { request in .init(request.method == "PUT" ? 200 : 404, "t") }.run { responder in
            await #expect(throws: AWSCredentialsError("instance metadata \(responder.url): no IAM role attached")) {
                _ = try await Self.metadata(responder).fetch()
            }
        }
    }

    @Test func aFailedRoleAnswerIsReportedByItsCode() async throws {
        let failed = #"{"Code": "AssumeRoleUnauthorizedAccess", "Message": "denied", "SecretAccessKey": "must-not-show"}"#
        try await LocalHTTPResponder.start { request in
            request.path == Self.rolePath ? .init(200, "r") : .init(200, request.method == "PUT" ? "t" : failed)
        }.run { responder in
            await #expect(throws: AWSCredentialsError("instance metadata \(responder.url): AssumeRoleUnauthorizedAccess: denied")) {
                _ = try await Self.metadata(responder).fetch()
            }
        }
    }

    @Test func disabledAndDefaults() throws {
        #expect(throws: AWSCredentialsError("disabled by AWS_EC2_METADATA_DISABLED")) {
            try InstanceMetadataCredentials.fromEnvironment(["AWS_EC2_METADATA_DISABLED": "TRUE"], httpClient: ChainTest.client).get()
        }
        #expect(try InstanceMetadataCredentials.fromEnvironment([:], httpClient: ChainTest.client).get().endpoint == "http://169.254.169.254")
        let ipv6 = ["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"]
        #expect(try InstanceMetadataCredentials.fromEnvironment(ipv6, httpClient: ChainTest.client).get().endpoint == "http://[fd00:ec2::254]")
    }
}

@Suite struct ContainerLinkTests {
    @Test func fullURIWithAuthorizationToken() async throws {
        try await LocalHTTPResponder.start { request in
            request.headers["authorization"] == "Bearer abc" ? .init(200, ChainTest.json("CONTAINER")) : .init(401)
        }.run { responder in
            let environment = [
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": responder.url + "/v2/credentials/abc",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer abc",
            ]
            let link = try #require(ContainerCredentials.fromEnvironment(environment, httpClient: ChainTest.client)).get()
            #expect(try await link.fetch().credentials.accessKeyID == "CONTAINER")
            #expect(link.displayHost == responder.url)
            #expect(responder.requests.map(\.path) == ["/v2/credentials/abc"])
        }
    }

    @Test func theTokenFileWinsAndIsReadAtEveryFetch() async throws {
        try await ScratchDirectory.with { directory in
            let tokenFile = try directory.write("token", "first-token\n")
            try await LocalHTTPResponder.start { request in .init(200, ChainTest.json(request.headers["authorization"] ?? "none")) }.run {
                responder in
                let environment = [
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": responder.url + "/creds",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN": "from-variable",
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
                ]
                let link = try #require(ContainerCredentials.fromEnvironment(environment, httpClient: ChainTest.client)).get()
                #expect(try await link.fetch().credentials.accessKeyID == "first-token")
                _ = try directory.write("token", "rotated-token")
                #expect(try await link.fetch().credentials.accessKeyID == "rotated-token")
            }
        }
    }

    @Test func errorAnswersNameTheirCodeButNoToken() async throws {
        try await LocalHTTPResponder.start { _ in .init(403, #"{"code": "AccessDenied", "message": "no such task"}"#) }.run { responder in
            let environment = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": responder.url + "/x", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "s3cr3t"]
            let link = try #require(ContainerCredentials.fromEnvironment(environment, httpClient: ChainTest.client)).get()
            let error = await #expect(throws: AWSCredentialsError.self) { _ = try await link.fetch() }
            #expect(error?.description == "container endpoint \(responder.url): HTTP 403 AccessDenied: no such task")
        }
    }

    @Test func plainHTTPOnlyToLoopbackAndTheECSAndEKSAddresses() throws {
        for allowed in [
            "http://127.0.0.1:8080/c", "http://127.3.4.5/c", "http://localhost/c", "http://[::1]:9/c",
            "http://169.254.170.2/c", "http://169.254.170.23/v1/credentials", "https://creds.example.com/c",
        ] {
            #expect(ContainerCredentials.problem(withFullURI: allowed) == nil, "\(allowed)")
        }
        for refused in ["http://10.0.0.1/c", "http://example.com/c", "http://127.0.0.1.example.com/c", "ftp://127.0.0.1/c", "not a url"] {
            #expect(ContainerCredentials.problem(withFullURI: refused) != nil, "\(refused)")
        }
    }

    @Test func theRelativeURIGoesToTheECSAddressAndWins() throws {
        let environment = [
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/id", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/x",
        ]
        let link = try #require(ContainerCredentials.fromEnvironment(environment, httpClient: ChainTest.client)).get()
        #expect(link.url == "http://169.254.170.2/v2/credentials/id")
        #expect(link.displayHost == "http://169.254.170.2")
        #expect(ContainerCredentials.fromEnvironment([:], httpClient: ChainTest.client) == nil)
    }
}

@Suite struct WebIdentityLinkTests {
    @Test func assumeRoleRequestAndTokenRereadAtEveryFetch() async throws {
        try await ScratchDirectory.with { directory in
            let tokenFile = try directory.write("token", "jwt-one\n")
            try await LocalHTTPResponder.start { request in
                .init(200, ChainTest.stsXML("STS-" + (ChainTest.form(request.body)["WebIdentityToken"] ?? "")))
            }.run { responder in
                let environment = [
                    "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/kes",
                    "AWS_ROLE_SESSION_NAME": "kes-session", "AWS_ENDPOINT_URL_STS": responder.url,
                ]
                let link = try #require(STSWebIdentity.fromEnvironment(environment, region: "eu-west-1", httpClient: ChainTest.client)).get()
                let first = try await link.fetch()
                #expect(
                    first.credentials
                        == AWSCredentials(accessKeyID: "STS-jwt-one", secretAccessKey: "secret&STS-jwt-one", sessionToken: "token-STS-jwt-one"))
                _ = try directory.write("token", "jwt-two")
                #expect(try await link.fetch().credentials.accessKeyID == "STS-jwt-two")

                let request = try #require(responder.requests.first)
                #expect(request.method == "POST" && request.path == "/")
                #expect(request.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8")
                #expect(request.headers["authorization"] == nil)
                #expect(
                    ChainTest.form(request.body) == [
                        "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": "arn:aws:iam::123456789012:role/kes",
                        "RoleSessionName": "kes-session", "WebIdentityToken": "jwt-one",
                    ])
            }
        }
    }

    @Test func stsErrorsAreReportedWithoutTheToken() async throws {
        try await ScratchDirectory.with { directory in
            let tokenFile = try directory.write("token", "eyJ.secret-jwt.sig")
            let answer = """
                <ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>\
                <Message>Token eyJ.secret-jwt.sig is expired &amp; rejected</Message></Error></ErrorResponse>
                """
            try await LocalHTTPResponder.start { _ in .init(400, answer) }.run { responder in
                let environment = ["AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:r", "AWS_ENDPOINT_URL": responder.url]
                let link = try #require(STSWebIdentity.fromEnvironment(environment, region: "us-east-1", httpClient: ChainTest.client)).get()
                let error = await #expect(throws: AWSCredentialsError.self) { _ = try await link.fetch() }
                #expect(error?.description == "STS \(responder.url): HTTP 400 InvalidIdentityToken: Token <token> is expired & rejected")
            }
        }
    }

    @Test func endpointChoiceAndSetupErrors() throws {
        func endpoint(_ environment: [String: String], region: String = "eu-central-1") throws -> String {
            let base = ["AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_ROLE_ARN": "arn:r"]
            return try #require(STSWebIdentity.fromEnvironment(base.merging(environment) { $1 }, region: region, httpClient: ChainTest.client))
                .get().endpoint
        }
        #expect(try endpoint([:]) == "https://sts.eu-central-1.amazonaws.com")
        #expect(try endpoint([:], region: "cn-north-1") == "https://sts.cn-north-1.amazonaws.com.cn")
        #expect(try endpoint(["AWS_ENDPOINT_URL": "http://127.0.0.1:1"]) == "http://127.0.0.1:1")
        #expect(try endpoint(["AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:2/"]) == "http://127.0.0.1:2")

        #expect(STSWebIdentity.fromEnvironment([:], region: "us-east-1", httpClient: ChainTest.client) == nil)
        #expect(throws: AWSCredentialsError("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")) {
            try STSWebIdentity.fromEnvironment(["AWS_WEB_IDENTITY_TOKEN_FILE": "/t"], region: "us-east-1", httpClient: ChainTest.client)?.get()
        }
    }

    @Test func missingOrEmptyTokenFile() async throws {
        try await ScratchDirectory.with { directory in
            let empty = try directory.write("empty", " \n")
            for (file, message) in [
                (empty, "the token file \(empty) is empty"), (directory.path + "/none", "cannot read the token file \(directory.path)/none"),
            ] {
                let environment = ["AWS_WEB_IDENTITY_TOKEN_FILE": file, "AWS_ROLE_ARN": "arn:r", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"]
                let link = try #require(STSWebIdentity.fromEnvironment(environment, region: "us-east-1", httpClient: ChainTest.client)).get()
                await #expect(throws: AWSCredentialsError(message)) { _ = try await link.fetch() }
            }
        }
    }
}

@Suite struct CredentialDocumentTests {
    @Test func timestamps() {
        let base = Date(timeIntervalSince1970: 1_796_161_862)  // 2026-12-01T21:51:02Z
        #expect(AWSTimestamp.parse("2026-12-01T21:51:02Z") == base)
        #expect(AWSTimestamp.parse("2026-12-01T21:51:02.250000Z")?.timeIntervalSince(base) == 0.25)
        #expect(AWSTimestamp.parse("2026-12-01T22:51:02+01:00") == base)
        #expect(AWSTimestamp.parse("2026-12-01T20:51:02-01:00") == base)
        for bad in ["", "2026-12-01", "2026-12-01T21:51:02", "2026-12-01 21:51:02Z", "2026-12-01T21:51:0xZ", "2026-12-01T21:51:02+0100"] {
            #expect(AWSTimestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func xmlElementsAndEntities() {
        let text = #"<A><Bx>no</Bx><B attr="1">x &lt;&#65;&#x42;&gt; &amp;amp; &bogus; &</B></A>"#[...]
        #expect(XMLText.element("B", in: text).map(XMLText.decode) == "x <AB> &amp; &bogus; &")
        #expect(XMLText.element("C", in: text) == nil)
    }

    @Test func jsonWithoutExpirationIsLongTerm() throws {
        let fetched = try CredentialEndpoint.credentials(fromJSON: Array(ChainTest.json("L", expiresIn: nil).utf8), what: "x")
        #expect(fetched.expiration == nil)
        #expect(throws: AWSCredentialsError("x: the answer is not a credentials document")) {
            try CredentialEndpoint.credentials(fromJSON: Array("secret-in-html".utf8), what: "x")
        }
        #expect(throws: AWSCredentialsError("x: the answer has no AccessKeyId and SecretAccessKey")) {
            try CredentialEndpoint.credentials(fromJSON: Array(#"{"AccessKeyId": "A"}"#.utf8), what: "x")
        }
    }
}

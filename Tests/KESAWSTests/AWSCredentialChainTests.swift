import Foundation
import Testing

@testable import KESAWS

/// The order of the links: each test sets up a source and every later one, and checks that
/// the earlier wins and that the later services were never asked.
@Suite struct AWSCredentialChainTests {
    static let environmentKeys = ["AWS_ACCESS_KEY_ID": "ENV-ID", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token"]

    static func credentials(_ resolved: AWSCredentialChain.Resolved) async throws -> AWSCredentials {
        try await resolved.provider.credentials()
    }

    @Test func configCredentialsWinOverEverything() async throws {
        let chain = ChainTest.chain(ChainTest.environment(Self.environmentKeys))
        let resolved = try await chain.resolve(accessKey: "CFG", secretKey: "cfg-secret", sessionToken: "cfg-token")
        #expect(resolved.source == "the config file")
        #expect(try await Self.credentials(resolved) == AWSCredentials(accessKeyID: "CFG", secretAccessKey: "cfg-secret", sessionToken: "cfg-token"))
        await #expect(throws: AWSCredentialsError("credentials.accesskey and credentials.secretkey must be set together")) {
            _ = try await chain.resolve(accessKey: "CFG")
        }
    }

    @Test func environmentNamesOldAndNew() async throws {
        let standard = try await ChainTest.chain(ChainTest.environment(Self.environmentKeys)).resolve()
        #expect(standard.source == "the environment")
        #expect(
            try await Self.credentials(standard) == AWSCredentials(accessKeyID: "ENV-ID", secretAccessKey: "env-secret", sessionToken: "env-token"))

        let legacy = try await ChainTest.chain(ChainTest.environment(["AWS_ACCESS_KEY": "OLD-ID", "AWS_SECRET_KEY": "old-secret"])).resolve()
        #expect(try await Self.credentials(legacy) == AWSCredentials(accessKeyID: "OLD-ID", secretAccessKey: "old-secret"))
    }

    /// Environment, then files, then web identity, then the container endpoint, then IMDS: every
    /// service is set up at once, and the sources are removed one by one from the front.
    @Test func linksAreTriedInTheSDKsOrder() async throws {
        try await ScratchDirectory.with { directory in
            let credentialsFile = try directory.write("credentials", "[kes]\naws_access_key_id = FILE-ID\naws_secret_access_key = file-secret\n")
            let tokenFile = try directory.write("token", "jwt")
            try await LocalHTTPResponder.start { request in
                switch request.path {
                case "/": .init(200, ChainTest.stsXML("STS-ID"))
                case "/container": .init(200, ChainTest.json("CONTAINER-ID"))
                case "/latest/api/token": .init(200, "imds-token")
                case InstanceMetadataLinkTests.rolePath: .init(200, "node-role")
                default: .init(200, ChainTest.json("IMDS-ID"))
                }
            }.run { responder in
                var environment = ChainTest.environment(Self.environmentKeys).merging([
                    "AWS_PROFILE": "kes", "AWS_SHARED_CREDENTIALS_FILE": credentialsFile,
                    "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/kes",
                    "AWS_ENDPOINT_URL_STS": responder.url,
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI": responder.url + "/container",
                    "AWS_EC2_METADATA_SERVICE_ENDPOINT": responder.url, "AWS_EC2_METADATA_DISABLED": "",
                ]) { $1 }
                let expected: [(remove: [String], source: String, id: String, requests: Int)] = [
                    ([], "the environment", "ENV-ID", 0),
                    (["AWS_ACCESS_KEY_ID"], "the shared file \(credentialsFile) (profile kes)", "FILE-ID", 0),
                    (["AWS_SHARED_CREDENTIALS_FILE"], "web identity (role arn:aws:iam::123456789012:role/kes)", "STS-ID", 1),
                    (["AWS_WEB_IDENTITY_TOKEN_FILE"], "the container endpoint \(responder.url)", "CONTAINER-ID", 2),
                    (["AWS_CONTAINER_CREDENTIALS_FULL_URI"], "instance metadata (role node-role)", "IMDS-ID", 5),
                ]
                for step in expected {
                    for name in step.remove { environment[name] = nil }
                    let resolved = try await ChainTest.chain(environment).resolve()
                    #expect(resolved.source == step.source)
                    #expect(try await Self.credentials(resolved).accessKeyID == step.id)
                    #expect(responder.requests.count == step.requests, "\(step.source)")
                }
            }
        }
    }

    /// A link that is configured but fails ends the search, as the SDKs' chains do: on EKS a
    /// passing STS failure must not leave the server running as the node's instance role.
    @Test func aConfiguredLinkThatFailsEndsTheSearch() async throws {
        try await LocalHTTPResponder.start { _ in .init(200, ChainTest.json("CONTAINER-ID")) }.run { responder in
            let environment = ChainTest.environment([
                "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token", "AWS_ROLE_ARN": "arn:r",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": responder.url + "/c",
            ])
            let error = await #expect(throws: AWSCredentialsError.self) { _ = try await ChainTest.chain(environment).resolve() }
            #expect(error?.description.hasSuffix("; web identity: cannot read the token file /nonexistent/token") == true, "\(String(describing: error))")
            #expect(responder.requests.count == 0, "the container endpoint is never asked")
        }
    }

    /// Nothing anywhere: one line lists every link and why it gave nothing, fast (IMDS on a
    /// closed loopback port refuses at once), and no secret that was set appears in it.
    @Test func noSourceListsEveryLinkWithoutSecrets() async throws {
        try await ScratchDirectory.with { directory in
            let tokenFile = try directory.write("token", "jwt-secret-value")
            let closedPort = try await LocalHTTPResponder.start { _ in .init(500) }.run { $0.port }
            let environment = ChainTest.environment([
                "AWS_SECRET_ACCESS_KEY": "env-secret-value",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-secret-value",
                "AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(closedPort)",
            ])
            let started = ContinuousClock.now
            let error = await #expect(throws: AWSCredentialsError.self) { _ = try await ChainTest.chain(environment).resolve() }
            #expect(ContinuousClock.now - started < .seconds(5))
            let text = try #require(error?.description)
            #expect(!text.contains("\n"))
            for part in [
                "tried config file: no credentials.accesskey",
                "; environment: AWS_SECRET_ACCESS_KEY set without AWS_ACCESS_KEY_ID",
                "; shared files: no /nonexistent/kes-aws-test-home/.aws/credentials, no /nonexistent/kes-aws-test-home/.aws/config",
                "; web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set",
                "; container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set",
                "; instance metadata: instance metadata http://127.0.0.1:\(closedPort): ",
            ] {
                #expect(text.contains(part), "missing '\(part)' in: \(text)")
            }
            for secret in ["env-secret-value", "container-secret-value"] {
                #expect(!text.contains(secret))
            }

            // A configured web identity whose STS refuses: named, and its token nowhere.
            var withWebIdentity = environment
            withWebIdentity["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile
            withWebIdentity["AWS_ROLE_ARN"] = "arn:r"
            withWebIdentity["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:\(closedPort)"
            let stsError = await #expect(throws: AWSCredentialsError.self) { _ = try await ChainTest.chain(withWebIdentity).resolve() }
            let stsText = try #require(stsError?.description)
            #expect(stsText.contains("; web identity: STS http://127.0.0.1:\(closedPort): "), "\(stsText)")
            #expect(!stsText.contains("jwt-secret-value"))
        }
    }

    @Test func unsetLinksAreNamedAsSuch() async throws {
        let error = await #expect(throws: AWSCredentialsError.self) { _ = try await ChainTest.chain(ChainTest.environment()).resolve() }
        let text = try #require(error?.description)
        #expect(text.contains("environment: AWS_ACCESS_KEY_ID not set"))
        #expect(text.contains("web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set"))
        #expect(text.contains("container endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set"))
        #expect(text.hasSuffix("instance metadata: disabled by AWS_EC2_METADATA_DISABLED"))
    }

    @Test func descriptionsHideEveryPart() {
        let credentials = AWSCredentials(accessKeyID: "AKIAVISIBLE", secretAccessKey: "very-secret", sessionToken: "tok")
        for text in ["\(credentials)", String(reflecting: credentials), "\([credentials])", "\(ExpiringCredentials(credentials))"] {
            #expect(!text.contains("AKIAVISIBLE") && !text.contains("very-secret") && !text.contains("tok"), "\(text)")
        }
        var dumped = ""
        dump(ExpiringCredentials(credentials), to: &dumped)
        #expect(!dumped.contains("AKIAVISIBLE") && !dumped.contains("very-secret"), "\(dumped)")
    }
}

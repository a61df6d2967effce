import Foundation
import KESKeyStore
import KESTestSupport
import Logging
import Testing

@testable import KESAWS

/// The networked links against a real moto, which serves STS (any web identity token is
/// accepted) and the instance-metadata paths on its one port, and the key store running on
/// credentials from web identity alone.
@Suite(.enabled(if: MotoServer.isInstalled || ProcessInfo.processInfo.environment["CI"] != nil, "moto_server is not installed (backends/install.sh)"))
struct MotoCredentialChainTests {
    /// The role moto's instance metadata reports.
    static let motoRole = "default-role"
    static let roleARN = "arn:aws:iam::123456789012:role/kes"

    static func withMoto(_ body: (MotoServer) async throws -> Void) async throws {
        try await AWSSecretsManagerKeyStoreTests.withMoto(body)
    }

    static func webIdentityEnvironment(_ server: MotoServer, tokenFile: String) -> [String: String] {
        ChainTest.environment([
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": roleARN, "AWS_ROLE_SESSION_NAME": "kes-test",
            "AWS_ENDPOINT_URL_STS": server.endpoint,
        ])
    }

    @Test func webIdentity() async throws {
        try await ScratchDirectory.with { directory in
            let tokenFile = try directory.write("token", "any.jwt.moto-accepts")
            try await Self.withMoto { server in
                let resolved = try await ChainTest.chain(Self.webIdentityEnvironment(server, tokenFile: tokenFile)).resolve()
                #expect(resolved.source == "web identity (role \(Self.roleARN))")
                let credentials = try await resolved.provider.credentials()
                #expect(credentials.accessKeyID.hasPrefix("ASIA"))
                #expect(!credentials.secretAccessKey.isEmpty && !credentials.sessionToken.isEmpty)
                // moto's default duration, one hour: temporary, so renewed by the provider.
                #expect(resolved.provider is RefreshingCredentials)
            }
        }
    }

    @Test func containerEndpointPointedAtMotosRoleDocument() async throws {
        try await Self.withMoto { server in
            let uri = server.endpoint + InstanceMetadataLinkTests.rolePath + Self.motoRole
            let resolved = try await ChainTest.chain(ChainTest.environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri])).resolve()
            #expect(resolved.source == "the container endpoint \(server.endpoint)")
            #expect(
                try await resolved.provider.credentials()
                    == AWSCredentials(accessKeyID: "test-key", secretAccessKey: "test-secret-key", sessionToken: "test-session-token"))
            #expect(resolved.provider is RefreshingCredentials)
        }
    }

    @Test func instanceMetadataV2() async throws {
        try await Self.withMoto { server in
            let environment = ChainTest.environment(["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.endpoint])
            let link = try InstanceMetadataCredentials.fromEnvironment(environment, httpClient: ChainTest.client).get()
            #expect(try await link.sessionToken() != nil)
            let resolved = try await ChainTest.chain(environment).resolve()
            #expect(resolved.source == "instance metadata (role \(Self.motoRole))")
            #expect(try await resolved.provider.credentials().accessKeyID == "test-key")
        }
    }

    /// Blank `credentials` in the config and only the web identity variables: the store starts,
    /// says where its credentials came from, and creates and reads a key.
    @Test func keyStoreOnWebIdentityCredentials() async throws {
        try await ScratchDirectory.with { directory in
            let tokenFile = try directory.write("token", "eyJhbGciOiJSUzI1NiJ9.e2e.sig")
            try await Self.withMoto { server in
                let log = LogRecorder()
                let config = AWSSecretsManagerConfig(endpoint: server.endpoint, region: "us-east-1")
                let store = try await AWSSecretsManagerKeyStore(
                    config: config, logger: log.logger, environment: Self.webIdentityEnvironment(server, tokenFile: tokenFile))
                #expect(store.credentialsSource == "web identity (role \(Self.roleARN))")
                #expect(log.messages.contains("aws: using credentials from web identity (role \(Self.roleARN))"))
                let value = Array(#"{"bytes":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","algorithm":"AES256"}"#.utf8)
                try await store.create("web-identity-key", value: value)
                #expect(try await store.get("web-identity-key") == value)
                #expect(!log.messages.joined().contains("e2e.sig"))
                await store.close()
            }
        }
    }
}

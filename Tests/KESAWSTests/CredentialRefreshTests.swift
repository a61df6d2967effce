import Foundation
import KESKeyStore
import Synchronization
import Testing

@testable import KESAWS

/// Renewal on the real clock: a container endpoint hands out credentials that live 3 seconds,
/// and a stand-in Secrets Manager records which credentials signed each request.
@Suite struct CredentialRefreshTests {
    final class Counter: Sendable {
        let value = Atomic(0)
        func next() -> Int { value.add(1, ordering: .relaxed).newValue }
    }

    /// The access key ID in a SigV4 `Authorization` header.
    static func signer(_ request: LocalHTTPResponder.Request) -> String {
        let authorization = request.headers["authorization"] ?? ""
        guard let start = authorization.range(of: "Credential=") else { return "" }
        return String(authorization[start.upperBound...].prefix { $0 != "/" })
    }

    /// Lifetimes by fetch: the first leaves a 2.5 s window between renewal time and expiry, the
    /// second is renewed 2 s after it arrives (half its life) and left to expire.
    static let lifetimes: [TimeInterval] = [8, 4, 60]

    @Test func temporaryCredentialsAreRenewedBeforeAndAfterExpiry() async throws {
        let fetches = Counter()
        try await LocalHTTPResponder.start { _ in
            let number = fetches.next()
            return .init(200, ChainTest.json("ID-\(number)", expiresIn: Self.lifetimes[min(number, 3) - 1]))
        }.run { container in
            try await LocalHTTPResponder.start { _ in .init(200, "{}") }.run { secrets in
                let environment = ChainTest.environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": container.url + "/creds"])
                let started = ContinuousClock.now
                let resolved = try await ChainTest.chain(environment, margin: .seconds(3)).resolve()
                let client = AWSJSONClient(
                    endpoint: try #require(AWSEndpoint(secrets.url)), credentials: resolved.provider, region: "us-east-1",
                    service: "secretsmanager", targetPrefix: "secretsmanager", httpClient: ChainTest.client)
                func signedBy() async throws -> String {
                    _ = try await client.call("ListSecrets", ChainTest.Empty(), returning: SecretsManager.Ignored.self)
                    return Self.signer(try #require(secrets.requests.last))
                }

                #expect(try await signedBy() == "ID-1")
                #expect(secrets.requests.last?.headers["x-amz-security-token"] == "token-ID-1")
                // Past the renewal time (5 s) but before expiry (8 s): the request goes out with
                // ID-1 at once while the renewal runs behind it.
                try await Task.sleep(until: started + .milliseconds(5500))
                #expect(try await signedBy() == "ID-1")
                try await waitUntil { try await resolved.provider.credentials().accessKeyID == "ID-2" }
                let renewed = ContinuousClock.now
                #expect(try await signedBy() == "ID-2")
                #expect(container.requests.count == 2)

                // Left to expire unused: the next requests wait for one fetch between them.
                try await Task.sleep(until: renewed + .milliseconds(4500))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            _ = try await client.call("ListSecrets", ChainTest.Empty(), returning: SecretsManager.Ignored.self)
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(container.requests.count == 3)
                #expect(secrets.requests.suffix(8).map(Self.signer) == Array(repeating: "ID-3", count: 8))
            }
        }
    }

    /// A renewal that fails once the credentials have expired makes the request fail as
    /// "unavailable", with the source named and no secret in the text.
    @Test func expiredAndUnrenewableCredentialsFailRequestsAsUnavailable() async throws {
        let fetches = Counter()
        try await LocalHTTPResponder.start { _ in
            fetches.next() == 1 ? .init(200, ChainTest.json("ONLY", expiresIn: 1)) : .init(500, #"{"code": "Broken", "message": "down"}"#)
        }.run { container in
            let environment = ChainTest.environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": container.url + "/creds"])
            let resolved = try await ChainTest.chain(environment, margin: .seconds(1)).resolve()
            let client = AWSJSONClient(
                endpoint: try #require(AWSEndpoint("http://127.0.0.1:1")), credentials: resolved.provider, region: "us-east-1",
                service: "secretsmanager", targetPrefix: "secretsmanager", httpClient: ChainTest.client)
            try await Task.sleep(for: .milliseconds(1200))
            let error = await #expect(throws: AWSCallError.self) {
                _ = try await client.call("ListSecrets", ChainTest.Empty(), returning: SecretsManager.Ignored.self)
            }
            let expected =
                "cannot refresh credentials from the container endpoint \(container.url): "
                + "container endpoint \(container.url): HTTP 500 Broken: down"
            #expect(error == .credentials(expected))
            let mapped = KeyStoreError.fromAWS(try #require(error), context: "aws: failed to read 'k'")
            #expect(mapped as? KeyStoreError == .unavailable("aws: failed to read 'k': \(expected)"))
            #expect(!"\(mapped)".contains("secret-ONLY") && !"\(mapped)".contains("token-ONLY"))
        }
    }
}

extension ChainTest {
    struct Empty: Encodable {}
}

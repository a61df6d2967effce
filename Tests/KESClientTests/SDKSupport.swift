import Foundation
import KESClient
import KESConfig
import KESCore
import KESTestSupport
import Testing

/// A running test server and an SDK client for it, stopped together.
struct SDKFixture {
    let server: TestServer
    let apiKey: APIKey
    let client: KESClient

    /// A server whose admin is a fresh API key, and a client using that key.
    static func start(configure: (inout ServerConfig) -> Void = { _ in }) async throws -> SDKFixture {
        let apiKey = APIKey.random()
        let server = try await TestServer(admin: try TestIdentity.apiKey(apiKey), configure: configure)
        let client = try KESClient(endpoint: "https://127.0.0.1:\(server.port)", apiKey: apiKey.text, insecure: true)
        return SDKFixture(server: server, apiKey: apiKey, client: client)
    }

    var endpoint: String { "https://127.0.0.1:\(server.port)" }

    func stop() async {
        await #expect(throws: Never.self) { try await client.shutdown() }
        await #expect(throws: Never.self) { try await server.stopAndWait() }
    }
}

/// Runs `body` with a fresh fixture and always stops it.
func withFixture(
    configure: (inout ServerConfig) -> Void = { _ in },
    _ body: (SDKFixture) async throws -> Void
) async throws {
    let fixture = try await SDKFixture.start(configure: configure)
    do {
        try await body(fixture)
    } catch {
        await fixture.stop()
        throw error
    }
    await fixture.stop()
}

/// Expects `body` to throw exactly `expected`.
func expectKESError(_ expected: KESError, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(expected), got success")
    } catch let error as KESError {
        if error != expected { Issue.record("expected \(expected), got \(error)") }
    } catch {
        Issue.record("expected \(expected), got \(error)")
    }
}

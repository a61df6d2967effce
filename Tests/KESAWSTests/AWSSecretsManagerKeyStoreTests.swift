import Foundation
import KESConfig
import KESKeyStore
import KESTestSupport
import Logging
import Testing

@testable import KESAWS

/// The store against a real moto server on a free loopback port. moto accepts
/// any credentials and does not verify signatures; the signer is checked
/// against AWS's vectors in `SigV4SignerTests`.
@Suite(.serialized, .enabled(if: MotoServer.isInstalled || ProcessInfo.processInfo.environment["CI"] != nil, "moto_server is not installed (pip install 'moto[server]')"))
struct AWSSecretsManagerKeyStoreTests {
    static let environment = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "not-checked-by-moto"]

    static func config(_ server: MotoServer, kmsKey: String = "") -> AWSSecretsManagerConfig {
        var config = AWSSecretsManagerConfig(endpoint: server.endpoint, region: "us-east-1")
        config.kmsKey = kmsKey
        return config
    }

    /// Runs `body` with a fresh moto and always stops it by PID afterwards.
    static func withMoto(_ body: (MotoServer) async throws -> Void) async throws {
        let server = try await MotoServer.start()
        do {
            try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    static let keyText = Array(#"{"bytes":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","algorithm":"AES256"}"#.utf8)

    @Test func createGetDelete() async throws {
        try await Self.withMoto { server in
            let store = try await AWSSecretsManagerKeyStore(
                config: Self.config(server), logger: Logger(label: "test"), environment: Self.environment)
            #expect(store.kind == "aws")
            try await store.create("my-key", value: Self.keyText)
            #expect(try await store.get("my-key") == Self.keyText)

            await #expect(throws: KeyStoreError.keyExists) {
                try await store.create("my-key", value: Self.keyText)
            }
            await #expect(throws: KeyStoreError.keyNotFound) {
                _ = try await store.get("missing")
            }

            try await store.delete("my-key")
            await #expect(throws: KeyStoreError.keyNotFound) {
                _ = try await store.get("my-key")
            }
            // The name is free again at once: the delete skipped the recovery window.
            try await store.create("my-key", value: Self.keyText)

            // moto (like AWS) answers success to a forced delete of a missing secret, so the
            // backend cannot tell "not found" there, and the store reports success.
            await #expect(throws: Never.self) { try await store.delete("never-existed") }
            try await store.status()
            await store.close()
        }
    }

    @Test func nonUTF8ValuesRoundTripAsSecretBinary() async throws {
        try await Self.withMoto { server in
            let store = try await AWSSecretsManagerKeyStore(
                config: Self.config(server), logger: Logger(label: "test"), environment: Self.environment)
            let bytes: [UInt8] = [0xff, 0xfe, 0x00, 0x80]
            try await store.create("binary", value: bytes)
            #expect(try await store.get("binary") == bytes)
        }
    }

    @Test func listFollowsPaginationPastOneHundred() async throws {
        try await Self.withMoto { server in
            let store = try await AWSSecretsManagerKeyStore(
                config: Self.config(server), logger: Logger(label: "test"), environment: Self.environment)
            let names = (0..<130).map { String(format: "page-%03d", $0) }
            // One writer: moto answered concurrent creates with an occasional 500 on a loaded CI machine.
            for name in names { try await store.create(name, value: Self.keyText) }
            try await store.create("other", value: Self.keyText)

            let all = try await store.list(prefix: "page-", limit: 0)
            #expect(all.names == names)
            #expect(all.continueAt == "")

            let first = try await store.list(prefix: "page-", limit: 50)
            #expect(first.names == Array(names[0..<50]))
            #expect(first.continueAt == "page-050")

            let everything = try await store.list(prefix: "", limit: 0)
            #expect(everything.names.count == 131)
        }
    }

    @Test func missingKMSKeyFailsCreateAndLogsOnce() async throws {
        try await Self.withMoto { server in
            let captured = LogRecorder()
            let keyID = "ff8e2c25-b259-4f74-a001-c7b62d17e0a4"
            let store = try await AWSSecretsManagerKeyStore(
                config: Self.config(server, kmsKey: keyID), logger: captured.logger, environment: Self.environment)
            for _ in 0..<3 {
                let error = await #expect(throws: KeyStoreError.self) {
                    try await store.create("kms-key-missing", value: Self.keyText)
                }
                guard case .failed(let message) = error else {
                    Issue.record("expected .failed, got \(String(describing: error))")
                    return
                }
                #expect(message.hasPrefix("aws: failed to create 'kms-key-missing': NotFoundException"))
                #expect(!message.contains("AAECAwQF"))
            }
            // Three identical failures, one line.
            #expect(captured.errors == ["aws: the CMK '\(keyID)' does not exist"])
            await #expect(throws: KeyStoreError.keyNotFound) {
                _ = try await store.get("kms-key-missing")
            }
        }
    }

    @Test func disabledKMSKeyFailsCreate() async throws {
        try await Self.withMoto { server in
            let endpoint = try #require(AWSEndpoint(server.endpoint))
            let kms = AWSJSONClient(
                endpoint: endpoint,
                credentials: StaticCredentialsProvider(AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "x")),
                region: "us-east-1", service: "kms",
                targetPrefix: "TrentService")
            let created = try await kms.call("CreateKey", EmptyInput(), returning: KMS.CreateKeyOutput.self)
            let keyID = try #require(created.KeyMetadata?.KeyId)

            let captured = LogRecorder()
            let store = try await AWSSecretsManagerKeyStore(
                config: Self.config(server, kmsKey: keyID), logger: captured.logger, environment: Self.environment)
            // While the key is enabled, secrets are created with it.
            try await store.create("with-kms", value: Self.keyText)
            #expect(try await store.get("with-kms") == Self.keyText)

            _ = try await kms.call("DisableKey", KMS.KeyIDInput(KeyId: keyID), returning: SecretsManager.Ignored.self)
            let error = await #expect(throws: KeyStoreError.self) {
                try await store.create("after-disable", value: Self.keyText)
            }
            guard case .failed(let message) = error else {
                Issue.record("expected .failed, got \(String(describing: error))")
                return
            }
            #expect(message.hasPrefix("aws: failed to create 'after-disable': "))
            #expect(captured.errors == ["aws: the CMK '\(keyID)' is disabled"])
        }
    }

    @Test func outageRestartAndRecovery() async throws {
        try await Self.withMoto { server in
            let store = try await AWSSecretsManagerKeyStore(
                config: Self.config(server), logger: Logger(label: "test"), environment: Self.environment)
            try await store.create("before-restart", value: Self.keyText)

            await server.stop()
            let statusError = await keyStoreError { try await store.status() }
            guard case .unreachable = statusError else {
                Issue.record("status on a stopped moto: \(String(describing: statusError))")
                return
            }
            let getError = await keyStoreError { _ = try await store.get("before-restart") }
            guard case .unreachable(let why) = getError else {
                Issue.record("get on a stopped moto: \(String(describing: getError))")
                return
            }
            #expect(why.hasPrefix("aws: failed to read 'before-restart': "))

            try await server.launch()
            try await store.status()
            // moto is in-memory: everything from before the restart is gone.
            await #expect(throws: KeyStoreError.keyNotFound) {
                _ = try await store.get("before-restart")
            }
            try await store.create("after-restart", value: Self.keyText)
            #expect(try await store.get("after-restart") == Self.keyText)
        }
    }

    @Test func startupNeedsAReachableEndpoint() async throws {
        let port = BackendLauncher.freePort()
        var config = AWSSecretsManagerConfig(endpoint: "http://127.0.0.1:\(port)", region: "us-east-1")
        config.accessKey = "AK"
        config.secretKey = "SK"
        await #expect {
            _ = try await AWSSecretsManagerKeyStore(config: config, logger: Logger(label: "test"), environment: [:])
        } throws: { error in
            guard case .unreachable = error as? KeyStoreError else { return false }
            return true
        }
    }

    /// Every request has a 10-second deadline; a server that never answers is
    /// reported as unreachable rather than hanging the caller.
    @Test func hungEndpointTimesOutAfterTenSeconds() async throws {
        try await MotoServer.withSilentListener { port in
            var config = AWSSecretsManagerConfig(endpoint: "http://127.0.0.1:\(port)", region: "us-east-1")
            config.accessKey = "AK"
            config.secretKey = "SK"
            let clock = ContinuousClock()
            let start = clock.now
            await #expect {
                _ = try await AWSSecretsManagerKeyStore(config: config, logger: Logger(label: "test"), environment: [:])
            } throws: { error in
                guard case .unreachable(let why) = error as? KeyStoreError else { return false }
                return why.contains("timed out")
            }
            let elapsed = clock.now - start
            #expect(elapsed >= .seconds(9) && elapsed < .seconds(20))
        }
    }

    @Test func startupNeedsCredentials() async throws {
        let config = AWSSecretsManagerConfig(endpoint: "http://127.0.0.1:1", region: "us-east-1")
        await #expect {
            // No instance metadata either: the test must not ask this machine's.
            _ = try await AWSSecretsManagerKeyStore(
                config: config, logger: Logger(label: "test"), environment: ["AWS_EC2_METADATA_DISABLED": "true"])
        } throws: { error in
            guard case .failed(let why) = error as? KeyStoreError else { return false }
            return why.hasPrefix("aws: no credentials: tried config file")
        }
    }

    @Test func configuredSessionTokenIsAccepted() async throws {
        try await Self.withMoto { server in
            var config = Self.config(server)
            config.accessKey = "ASIAEXAMPLE"
            config.secretKey = "secret"
            config.sessionToken = "session-token"
            let store = try await AWSSecretsManagerKeyStore(config: config, logger: Logger(label: "test"), environment: [:])
            try await store.create("temp-creds", value: Self.keyText)
            #expect(try await store.get("temp-creds") == Self.keyText)
        }
    }
}

struct EmptyInput: Encodable {}

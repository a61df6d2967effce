import Foundation
import KESClient
import KESCore
import KESTestSupport
import Testing

/// fs → real backend → fs: the keys go through OpenBao or moto and come back decrypting
/// ciphertexts made before the first move.
@Suite("kes migrate through OpenBao and moto", .serialized)
struct BackendMigrationTests {
    let kes = CLIRunner(environment: [:])
    let admin = APIKey.random()

    @Test(.enabled(if: BackendLauncher.isInstalled("bao"))) func fsToOpenBaoAndBack() async throws {
        let directory = TestServer.makeDirectory()
        // Port 0: OpenBao binds a port itself and the launcher reports it.
        let bao = try await BackendLauncher.start(
            "openbao-dev.sh", arguments: ["0", "migrate-root", directory], directory: directory, pidName: "openbao.pid")
        try await withAsyncCleanup {
            let port = try #require(bao.port)
            let vault = try MigrationSupport.config("""
                  vault:
                    endpoint: http://127.0.0.1:\(port)
                    engine: secret
                    version: v2
                    prefix: migrate
                    token: migrate-root

                """)
            try await roundTrip(through: vault)
        } cleanup: {
            await bao.stop()
        }
    }

    @Test(.enabled(if: BackendLauncher.isInstalled("moto_server"))) func fsToMotoAndBack() async throws {
        let directory = TestServer.makeDirectory()
        // Port 0: moto binds a port itself and the launcher reports it.
        let moto = try await BackendLauncher.start("moto.sh", arguments: ["0", directory], directory: directory, pidName: "moto.pid")
        try await withAsyncCleanup {
            let port = try #require(moto.port)
            let aws = try MigrationSupport.config("""
                  aws:
                    secretsmanager:
                      endpoint: http://127.0.0.1:\(port)
                      region: us-east-1
                      credentials:
                        accesskey: test
                        secretkey: test

                """)
            try await roundTrip(through: aws)
        } cleanup: {
            await moto.stop()
        }
    }

    private func roundTrip(through backend: String) async throws {
        let source = TestServer.makeDirectory(), back = TestServer.makeDirectory()
        let names = (0..<25).map { "backend-\($0)" }
        let ciphertexts = try await MigrationSupport.createKeys(names, in: source, admin: admin)
        let from = try MigrationSupport.fsConfig(source)

        var result = try await kes.run(["migrate", "--from", from, "--to", backend])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("25 copied, 0 skipped, 0 failed"))

        // A second run refuses, and with --merge finds everything identical.
        result = try await kes.run(["migrate", "--from", from, "--to", backend])
        #expect(result.status == 1)
        result = try await kes.run(["migrate", "--from", from, "--to", backend, "--merge"])
        #expect(result.stdout.contains("0 copied, 25 skipped, 0 failed"), "\(result.stdout)\(result.stderr)")

        result = try await kes.run(["migrate", "--from", backend, "--to", try MigrationSupport.fsConfig(back)])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        try await MigrationSupport.withServer(directory: back, admin: admin) { client in
            for name in names {
                let plaintext = try await client.decrypt(name, ciphertext: ciphertexts[name]!, context: Array("ctx".utf8))
                #expect(plaintext == Array(name.utf8))
            }
        }
    }
}

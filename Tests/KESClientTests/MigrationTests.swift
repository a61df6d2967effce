import Foundation
import KESClient
import KESCore
import KESTestSupport
import Testing

@Suite("kes migrate between file key stores")
struct MigrationTests {
    let kes = CLIRunner(environment: [:])
    let admin = APIKey.random()

    @Test func thousandKeysMoveAndOldCiphertextsStillDecrypt() async throws {
        let source = TestServer.makeDirectory(), destination = TestServer.makeDirectory()
        let names = (0..<1000).map { String(format: "bulk-%04d", $0) }
        let ciphertexts = try await MigrationSupport.createKeys(names, in: source, admin: admin)
        let macBefore = try await MigrationSupport.withServer(directory: source, admin: admin) { client in
            try await client.hmac("bulk-0000", message: [1])
        }

        let result = try await kes.run([
            "migrate", "--from", try MigrationSupport.fsConfig(source), "--to", try MigrationSupport.fsConfig(destination),
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Migrated 1000 keys: 1000 copied, 0 skipped, 0 failed"))
        #expect(result.stderr.contains("1000/1000 keys (100%)"))
        #expect(try MigrationSupport.keyFiles(source).count == 1000, "the source must be untouched")
        #expect(try MigrationSupport.keyFiles(destination).count == 1000)

        try await MigrationSupport.withServer(directory: destination, admin: admin) { client in
            for name in names {
                let plaintext = try await client.decrypt(name, ciphertext: ciphertexts[name]!, context: Array("ctx".utf8))
                #expect(plaintext == Array(name.utf8))
            }
            // HMAC keys travel too: the same message gives the same MAC as before the move.
            #expect(try await client.hmac("bulk-0000", message: [1]) == macBefore)
        }
    }

    @Test func patternSelectsKeysAndJSONSummary() async throws {
        let source = TestServer.makeDirectory(), destination = TestServer.makeDirectory()
        _ = try await MigrationSupport.createKeys(["app-a", "app-b", "other"], in: source, admin: admin)
        let result = try await kes.run([
            "migrate", "--from", try MigrationSupport.fsConfig(source), "--to", try MigrationSupport.fsConfig(destination),
            "--json", "app-*",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        // The order of `copied` is not part of the summary's contract; its content is.
        let copied = try #require(summary?["copied"] as? [String])
        #expect(copied.sorted() == ["app-a", "app-b"])
        #expect(try MigrationSupport.keyFiles(destination) == ["app-a", "app-b"])
    }

    @Test func conflictsWithoutMergeWithMergeAndWithForce() async throws {
        let source = TestServer.makeDirectory(), destination = TestServer.makeDirectory()
        _ = try await MigrationSupport.createKeys(["new", "same", "clash"], in: source, admin: admin)
        _ = try await MigrationSupport.createKeys(["clash"], in: destination, admin: admin)
        try MigrationSupport.copyKeyFile("same", from: source, to: destination)
        let original = MigrationSupport.keyFile("clash", in: destination)
        let from = try MigrationSupport.fsConfig(source), to = try MigrationSupport.fsConfig(destination)

        var result = try await kes.run(["migrate", "--from", from, "--to", to])
        #expect(result.status == 1)
        #expect(result.stderr.contains("already holds 2 of the 3 keys"))
        #expect(try MigrationSupport.keyFiles(destination) == ["clash", "same"], "nothing may be copied")

        result = try await kes.run(["migrate", "--from", from, "--to", to, "--merge"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("1 copied, 1 skipped, 1 failed"))
        #expect(result.stdout.contains("clash: conflict"))
        #expect(MigrationSupport.keyFile("clash", in: destination) == original)
        #expect(try MigrationSupport.keyFiles(destination) == ["clash", "new", "same"])

        result = try await kes.run(["migrate", "--from", from, "--to", to, "--merge", "--force"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("1 copied (1 replaced), 2 skipped, 0 failed"))
        #expect(MigrationSupport.keyFile("clash", in: destination) == MigrationSupport.keyFile("clash", in: source))
        #expect(try MigrationSupport.keyFiles(source) == ["clash", "new", "same"])
    }

    @Test func interruptedMigrationResumesWithMerge() async throws {
        let source = TestServer.makeDirectory(), destination = TestServer.makeDirectory()
        let names = (0..<40).map { "resume-\($0)" }
        let ciphertexts = try await MigrationSupport.createKeys(names, in: source, admin: admin)
        // An interrupted run left the first half behind.
        for name in names.sorted().prefix(20) { try MigrationSupport.copyKeyFile(name, from: source, to: destination) }
        let from = try MigrationSupport.fsConfig(source), to = try MigrationSupport.fsConfig(destination)

        var result = try await kes.run(["migrate", "--from", from, "--to", to])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--merge"))

        result = try await kes.run(["migrate", "--from", from, "--to", to, "--merge"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Migrated 40 keys: 20 copied, 20 skipped, 0 failed"))
        #expect(try MigrationSupport.keyFiles(destination).count == 40)
        try await MigrationSupport.withServer(directory: destination, admin: admin) { client in
            for name in names {
                let plaintext = try await client.decrypt(name, ciphertext: ciphertexts[name]!, context: Array("ctx".utf8))
                #expect(plaintext == Array(name.utf8))
            }
        }
    }

    /// `--kes-2023-format` writes KES 2023's JSON keys: the same key bytes, creation time and
    /// creator, no HMAC key. Old ciphertexts decrypt; a second run with --merge finds the copies
    /// identical; a protobuf copy already in the destination is not identical (KES 2023 could
    /// not read it) and is replaced with --force.
    @Test func kes2023FormatWritesJSONKeys() async throws {
        let source = TestServer.makeDirectory(), destination = TestServer.makeDirectory()
        let names = ["a", "b", "c"]
        let ciphertexts = try await MigrationSupport.createKeys(names, in: source, admin: admin)
        try MigrationSupport.copyKeyFile("c", from: source, to: destination)
        let from = try MigrationSupport.fsConfig(source), to = try MigrationSupport.fsConfig(destination)

        var result = try await kes.run(["migrate", "--kes-2023-format", "--from", from, "--to", to, "--merge", "--force"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("3 copied (1 replaced), 0 skipped, 0 failed"))
        for name in names {
            let copy = try #require(MigrationSupport.keyFile(name, in: destination))
            let original = try StoredKey(parsing: try #require(MigrationSupport.keyFile(name, in: source)))
            #expect(copy == original.encodedJSON(), "'\(name)' is KES 2023's JSON of the same key")
        }

        result = try await kes.run(["migrate", "--kes-2023-format", "--from", from, "--to", to, "--merge"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("0 copied, 3 skipped, 0 failed"))

        try await MigrationSupport.withServer(directory: destination, admin: admin) { client in
            for name in names {
                let plaintext = try await client.decrypt(name, ciphertext: ciphertexts[name]!, context: Array("ctx".utf8))
                #expect(plaintext == Array(name.utf8))
            }
        }
    }

    @Test func badConfigIsAUsageError() async throws {
        let result = try await kes.run(["migrate", "--from", "/nonexistent.yaml", "--to", "/nonexistent2.yaml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent.yaml"))
    }
}

import Foundation
import KESCore
import KESTestSupport
import Testing
import X509

/// `kes identity new --key --cert`: the private key file is never readable by others, and the
/// command fails loudly when it cannot write it.
@Suite("CLI: kes identity new") struct IdentityNewTests {
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func keyFileIsCreatedWithMode0600AndTheCertificateNamesItsIdentity() async throws {
        let directory = TestServer.makeDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kes = CLIRunner(environment: [:])

        let result = try await kes.run(["identity", "new", "--key", directory + "/a.key", "--cert", directory + "/a.crt"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.mode(directory + "/a.key") == 0o600)
        let printed = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.hasPrefix("Identity: "))

        // With no subject, the common name is the identity of the key that was written.
        let certificate = try Certificate(pemEncoded: try String(contentsOfFile: directory + "/a.crt", encoding: .utf8))
        let privateKey = try Certificate.PrivateKey(pemEncoded: try String(contentsOfFile: directory + "/a.key", encoding: .utf8))
        #expect(privateKey.publicKey == certificate.publicKey)
        let identity = try await kes.run(["identity", "of", directory + "/a.crt"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed == "Identity: \(identity)")
        #expect(certificate.subject.description == "CN=\(identity)")
    }

    /// An existing file is never written through: without --force the command refuses, and
    /// with it the old file is replaced by a new one, which gets 0600 whatever the old mode was.
    @Test func existingFilesAreReplacedOnlyWithForce() async throws {
        let directory = TestServer.makeDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/b.key", cert = directory + "/b.crt"
        #expect(FileManager.default.createFile(atPath: key, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644]))
        let kes = CLIRunner(environment: [:])

        var result = try await kes.run(["identity", "new", "--key", key, "--cert", cert])
        #expect(result.status != 0)
        #expect(result.stderr.contains("'\(key)' exists; use --force to overwrite it"))
        #expect(try String(contentsOfFile: key, encoding: .utf8) == "old")
        #expect(!FileManager.default.fileExists(atPath: cert))

        // A second name for the old file shows whether it was written through or replaced.
        try FileManager.default.linkItem(atPath: key, toPath: directory + "/old.key")
        result = try await kes.run(["identity", "new", "--force", "--key", key, "--cert", cert])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.mode(key) == 0o600)
        #expect(try String(contentsOfFile: key, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----"))
        // A new file, not the old one rewritten: its mode and owner are never inherited.
        #expect(try String(contentsOfFile: directory + "/old.key", encoding: .utf8) == "old")
        #expect(try Self.mode(directory + "/old.key") == 0o644)
    }

    /// A symlink planted where the key goes must not redirect the key to its target.
    @Test func aSymlinkInPlaceOfTheKeyIsRefused() async throws {
        let directory = TestServer.makeDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = directory + "/c.key"
        try FileManager.default.createSymbolicLink(atPath: key, withDestinationPath: directory + "/elsewhere")

        let result = try await CLIRunner(environment: [:]).run(["identity", "new", "--key", key, "--cert", directory + "/c.crt"])
        #expect(result.status != 0)
        #expect(!FileManager.default.fileExists(atPath: directory + "/elsewhere"))
    }

    @Test func anUnwritableKeyPathFailsWithOneLineNamingFileAndReason() async throws {
        let directory = TestServer.makeDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = "/nonexistent/dir/k.key"

        let result = try await CLIRunner(environment: [:]).run(["identity", "new", "--key", key, "--cert", directory + "/k.crt"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "Error: cannot create '\(key)': no such file or directory\n")
        #expect(!FileManager.default.fileExists(atPath: directory + "/k.crt"))
    }

    /// If the certificate cannot be written, the key written before it is taken back.
    @Test func anUnwritableCertificatePathLeavesNoKey() async throws {
        let directory = TestServer.makeDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cert = directory + "/missing/k.crt"

        let result = try await CLIRunner(environment: [:]).run(["identity", "new", "--key", directory + "/k.key", "--cert", cert])
        #expect(result.status == 1)
        #expect(result.stderr == "Error: cannot create '\(cert)': no such file or directory\n")
        #expect(!FileManager.default.fileExists(atPath: directory + "/k.key"))
    }
}

/// `kes server --dev` writes a client key; it must go into a directory nobody else made or can enter.
@Suite("CLI: kes server --dev files") struct DevServerFilesTests {
    @Test func clientFilesGoIntoAFreshPrivateDirectory() async throws {
        let base = TestServer.makeDirectory()
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }

        // The server runs until stopped: stop it once it has printed where the client key went.
        let server = try CLIRunner(environment: ["TMPDIR": base]).start(["server", "--dev", "--addr", "127.0.0.1:0"])
        let deadline = ContinuousClock.now + .seconds(60)
        while !server.stdout.contains("client.key"), server.process.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let result = try await server.stop()
        let created = try FileManager.default.contentsOfDirectory(atPath: base)
        #expect(created.count == 1, "\(result.stdout) \(result.stderr)")
        let name = try #require(created.first)
        #expect(name.hasPrefix("kes-dev-"))
        #expect(result.stdout.contains("\(base)/\(name)/client.key"))
        let directory = base + "/" + name
        #expect(try IdentityNewTests.mode(directory) == 0o700)
        #expect(try IdentityNewTests.mode(directory + "/client.key") == 0o600)
        #expect(try IdentityNewTests.mode(directory + "/client.crt") == 0o600)
    }
}

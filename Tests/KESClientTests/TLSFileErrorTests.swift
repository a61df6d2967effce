import Foundation
import KESBootstrap
import KESConfig
import KESCore
import KESTestSupport
import Testing

/// A server certificate or key that cannot be used must be reported with the file and the
/// reason; NIOSSL's own `failedToLoadCertificate` says neither.
@Suite struct TLSFileErrorTests {
    /// An EC key in the legacy encrypted PEM form, password `kes-secret`.
    static let encryptedKeyPEM = """
        -----BEGIN EC PRIVATE KEY-----
        Proc-Type: 4,ENCRYPTED
        DEK-Info: AES-256-CBC,94B6998876F2C31030BA1294EC7AB61C

        ziinauzJ9plbXOhIc7Vuj47qagiE0BY6O/k70ueS6qPalaxJm6C+o70XaWXseL+F
        N0mIVJRRWvnrPjLPGoQfbGK2wnbvqHIu9qLIwTYFiCURglCV30bOaXz10hqH5LYy
        3miIyyg6KUNt5vskLSqiQwK1gCO2Ip+abJys+QqPIvQ=
        -----END EC PRIVATE KEY-----

        """

    struct Files {
        let directory: String
        let cert: String
        let key: String

        init() throws {
            directory = TestServer.makeDirectory()
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let minted = try CertificateMinter.selfSigned(
                keyType: .p256, commonName: "localhost", dnsNames: ["localhost"], ipAddresses: [], validity: .seconds(3600))
            cert = directory + "/server.crt"
            key = directory + "/server.key"
            try minted.certificatePEM.write(toFile: cert, atomically: true, encoding: .utf8)
            try minted.privateKeyPEM.write(toFile: key, atomically: true, encoding: .utf8)
        }

        func write(_ name: String, _ text: String) throws -> String {
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func failure(cert: String, key: String, password: String = "") -> String? {
        do {
            _ = try KESBootstrap.tls(ServerTLSConfig(keyPath: key, certPath: cert, password: password))
            return nil
        } catch {
            return error.description
        }
    }

    @Test func goodFilesLoad() throws {
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        #expect(Self.failure(cert: files.cert, key: files.key) == nil)
    }

    @Test func missingFiles() throws {
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let missing = files.directory + "/missing.pem"
        #expect(Self.failure(cert: missing, key: files.key) == "tls: cannot read certificate '\(missing)': no such file or directory")
        #expect(Self.failure(cert: files.cert, key: missing) == "tls: cannot read private key '\(missing)': no such file or directory")
        #expect(Self.failure(cert: files.directory, key: files.key)
            == "tls: cannot read certificate '\(files.directory)': is a directory")
    }

    @Test func filesThatAreNotPEM() throws {
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let garbage = try files.write("garbage.pem", "this is not PEM\n")
        #expect(Self.failure(cert: garbage, key: files.key) == "tls: certificate '\(garbage)' is not a PEM file")
        #expect(Self.failure(cert: files.cert, key: garbage) == "tls: private key '\(garbage)' is not a PEM file")
    }

    @Test func swappedOrWrongBlocks() throws {
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        #expect(Self.failure(cert: files.key, key: files.cert)
            == "tls: no certificate in '\(files.key)'; it holds a PRIVATE KEY")
        #expect(Self.failure(cert: files.cert, key: files.cert)
            == "tls: no private key in '\(files.cert)'; it holds a CERTIFICATE")
        let broken = try files.write("broken.crt", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        #expect(Self.failure(cert: broken, key: files.key) == "tls: certificate '\(broken)' is malformed")
    }

    @Test func keyOfAnotherCertificate() throws {
        let files = try Files()
        let other = try Files()
        defer {
            try? FileManager.default.removeItem(atPath: files.directory)
            try? FileManager.default.removeItem(atPath: other.directory)
        }
        #expect(Self.failure(cert: files.cert, key: other.key)
            == "tls: the private key '\(other.key)' does not match the certificate '\(files.cert)'")
    }

    @Test func encryptedKeys() throws {
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let encrypted = try files.write("encrypted.key", Self.encryptedKeyPEM)
        #expect(Self.failure(cert: files.cert, key: encrypted)
            == "tls: private key '\(encrypted)' is encrypted, but no password is set")
        #expect(Self.failure(cert: files.cert, key: encrypted, password: "wrong")
            == "tls: cannot decrypt private key '\(encrypted)': wrong password")
        // The right password opens it; it then fails only because it is not this certificate's key.
        #expect(Self.failure(cert: files.cert, key: encrypted, password: "kes-secret")
            == "tls: the private key '\(encrypted)' does not match the certificate '\(files.cert)'")
    }

    /// What an operator sees: the server does not start, and says which file and why.
    @Test func serverStartupNamesTheFile() async throws {
        let files = try Files()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let missing = files.directory + "/nope.crt"
        let config = try files.write("config.yaml", """
            address: 127.0.0.1:0
            admin: { identity: disabled }
            tls: { key: \(files.key), cert: \(missing) }
            keystore: { fs: { path: \(files.directory)/keys } }
            """)
        let result = try await CLIRunner(environment: [:]).run(["server", "--config", config], timeout: .seconds(30))
        #expect(result.status == 1)
        #expect(result.stderr == "Error: tls: cannot read certificate '\(missing)': no such file or directory\n")
    }
}

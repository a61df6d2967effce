import ArgumentParser
import Foundation
import KESCore

struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Create API keys, compute identities and inspect the server's identities.",
        discussion: "`kes identity KEY|FILE` is `kes identity of KEY|FILE`.",
        subcommands: [New.self, Of.self, Info.self, List.self],
        // KES's bare `kes identity <API key or certificate>` prints the identity.
        defaultSubcommand: Of.self
    )

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a new API key, or a private key and certificate with --key/--cert.")

        @Option(name: .long, help: "Write an Ed25519 private key to this file.")
        var key: String?

        @Option(name: .long, help: "Write a self-signed certificate to this file.")
        var cert: String?

        @Option(name: .long, help: "Add an IP address SAN (repeatable).")
        var ip: [String] = []

        @Option(name: .long, help: "Add a DNS name SAN (repeatable).")
        var dns: [String] = []

        @Option(name: .long, help: "Certificate lifetime, e.g. 720h.")
        var expiry: String = "720h"

        @Flag(name: .shortAndLong, help: "Overwrite existing files.")
        var force = false

        @Flag(
            name: .long,
            help: "Encrypt the private key with a password (asked twice on a terminal, else the first line of stdin).")
        var encrypt = false

        @Argument(help: "The certificate's subject common name (default: the identity).")
        var subject: String?

        func validate() throws {
            if (key == nil) != (cert == nil) { throw ValidationError("--key and --cert go together") }
            if encrypt && key == nil { throw ValidationError("'--encrypt' requires --key and --cert") }
        }

        func run() throws {
            guard let key, let cert else {
                let apiKey = APIKey.random()
                print("Your API key:\n\n   \(apiKey.text)\n\nThis is the only time it is shown. Keep it secret.\n")
                print("Identity: \(apiKey.identity.rawValue)")
                return
            }
            for path in [key, cert] where !force && FileManager.default.fileExists(atPath: path) {
                throw ValidationError("'\(path)' exists; use --force to overwrite it")
            }
            let lifetime = try Self.parseLifetime(expiry)
            let minted = try CertificateMinter.selfSigned(
                keyType: .ed25519, commonName: subject, dnsNames: dns, ipAddresses: ip, validity: lifetime)
            var privateKeyPEM = minted.privateKeyPEM
            do {
                if encrypt { privateKeyPEM = try EncryptedPEM.encrypt(privateKeyPEM, password: try Password.read()) }
                try NewFile.write(privateKeyPEM, to: key, mode: 0o600, replacing: force)
                do {
                    try NewFile.write(minted.certificatePEM, to: cert, mode: 0o644, replacing: force)
                } catch {
                    // A key without its certificate is of no use and would block the next try.
                    unlink(key)
                    throw error
                }
            } catch {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                throw ExitCode(1)
            }
            print("Identity: \(minted.identity.rawValue)")
        }

        /// A Go duration, as KES's `--expiry` takes it (`720h`, `8760h`, `1h30m`).
        static func parseLifetime(_ text: String) throws -> Duration {
            guard let lifetime = try? parseGoDuration(text), lifetime >= .seconds(1) else {
                throw ValidationError("invalid --expiry '\(text)': use a duration such as 720h or 1h30m")
            }
            return lifetime
        }
    }

    struct Of: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the identity of a certificate file or an API key.")

        @Argument(help: "A PEM certificate file or a kes:v1: API key.")
        var source: String

        func run() throws {
            if source.hasPrefix("kes:v1:") {
                print(try APIKey(source).identity.rawValue)
                return
            }
            guard let pem = try? String(contentsOfFile: source, encoding: .utf8) else {
                throw ValidationError("cannot read '\(source)'")
            }
            guard let der = Self.firstCertificateDER(pem) else {
                throw ValidationError("'\(source)' holds no PEM certificate")
            }
            print(try Identity(certificateDER: der).rawValue)
        }

        static func firstCertificateDER(_ pem: String) -> [UInt8]? {
            guard let begin = pem.range(of: "-----BEGIN CERTIFICATE-----"),
                  let end = pem.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<pem.endIndex)
            else { return nil }
            let body = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
            return Base64.decode(String(body))
        }
    }
}

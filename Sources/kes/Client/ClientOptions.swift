import ArgumentParser
import Foundation
import KESClient

/// Flags every client command takes, and the environment KES's CLI and MinIO read.
struct ClientOptions: ParsableArguments {
    @Flag(name: [.customShort("k"), .long], help: "Skip verification of the server's certificate.")
    var insecure = false

    @Flag(name: .long, help: "Print JSON for scripts (the default for some commands when stdout is not a terminal).")
    var json = false

    @Option(name: .long, help: "Colour output: auto (only on a terminal), never or always.")
    var color: ColorMode = .auto

    /// KES's enclave flag, accepted so that scripts written for KES get a clear answer rather
    /// than a parse error: swift-kes serves a single key namespace.
    @Option(name: [.customShort("e"), .long], help: "A KES enclave; not supported by swift-kes.")
    var enclave: String?

    var style: Style { Style(mode: json ? .never : color) }

    /// Whether a command that KES switches to JSON on a pipe prints JSON: `--json`, or stdout is
    /// not a terminal.
    var jsonOrPiped: Bool { json || !Style.stdoutIsTerminal }

    /// The environment names, in the order they are read: KES's current names, KES's older
    /// names, then the ones MinIO itself reads, so that a MinIO host's environment works as is.
    enum Environment {
        static let server = ["MINIO_KES_SERVER", "KES_SERVER", "MINIO_KMS_KES_ENDPOINT"]
        /// Each tier: (API key, client private key, client certificate).
        static let credentialTiers = [
            (apiKey: "MINIO_KES_API_KEY", privateKey: "MINIO_KES_KEY_FILE", certificate: "MINIO_KES_CERT_FILE"),
            (apiKey: "KES_API_KEY", privateKey: "KES_CLIENT_KEY", certificate: "KES_CLIENT_CERT"),
            (apiKey: "MINIO_KMS_KES_API_KEY", privateKey: "MINIO_KMS_KES_KEY_FILE", certificate: "MINIO_KMS_KES_CERT_FILE"),
        ]
        static let enclave = "KES_ENCLAVE"
    }

    /// Endpoints from the first of ``Environment/server`` that is set: a comma-separated list,
    /// https://127.0.0.1:7373 by default. A bare HOST:PORT (as MinIO's variables often hold) gets https://.
    static func endpoints(_ environment: [String: String], override: String? = nil) -> [String] {
        let value = override ?? Environment.server.lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        let endpoints = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { $0.contains("://") ? $0 : "https://\($0)" }
        return endpoints.isEmpty ? ["https://127.0.0.1:7373"] : endpoints
    }

    /// Builds the client from the environment. Credentials come from the first tier of
    /// ``Environment/credentialTiers`` that sets any of its names; within that tier an API key
    /// and a certificate pair must not both be set.
    /// - Parameters:
    ///   - endpoints: the servers to use instead of the environment's.
    ///   - apiKey: an API key given on the command line (`kes ls -a`); it wins over the environment.
    /// - Throws: ``UsageFailure`` for missing or conflicting credentials, or an enclave.
    func makeClient(
        endpoints: [String]? = nil, apiKey: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KESClient {
        if let name = enclave ?? environment[Environment.enclave], !name.isEmpty {
            throw UsageFailure(
                "enclave '\(name)': enclaves are not supported by swift-kes; it serves one key namespace, so drop -e/--enclave and \(Environment.enclave)"
            )
        }
        let credentials = try Self.credentials(environment, apiKey: apiKey)
        do {
            let configuration = KESClientConfiguration(
                endpoints: endpoints ?? Self.endpoints(environment), credentials: credentials, insecure: insecure)
            return try KESClient(configuration: configuration)
        } catch {
            throw UsageFailure("\(error)")
        }
    }

    static func credentials(_ environment: [String: String], apiKey flag: String? = nil) throws -> KESCredentials {
        if let flag, !flag.isEmpty {
            do {
                return try .apiKey(flag)
            } catch {
                throw UsageFailure("--api-key is not a valid API key: \(error)")
            }
        }
        let value = { (name: String) in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        for tier in Environment.credentialTiers {
            let (apiKey, certificate, privateKey) = (value(tier.apiKey), value(tier.certificate), value(tier.privateKey))
            switch (apiKey, certificate, privateKey) {
            case (nil, nil, nil):
                continue
            case (.some(let apiKey), nil, nil):
                do {
                    return try .apiKey(apiKey)
                } catch {
                    throw UsageFailure("\(tier.apiKey) is not a valid API key: \(error)")
                }
            case (nil, .some(let certificate), .some(let privateKey)):
                do {
                    return try .certificateFiles(certificate: certificate, privateKey: privateKey)
                } catch {
                    throw UsageFailure("\(tier.certificate)/\(tier.privateKey): \(error)")
                }
            case (nil, _, _):
                throw UsageFailure("\(tier.certificate) and \(tier.privateKey) must be set together")
            case (.some, _, _):
                throw UsageFailure(
                    "\(tier.apiKey) and \(tier.certificate)/\(tier.privateKey) are both set; use one kind of credentials")
            }
        }
        throw UsageFailure(
            "no credentials: set MINIO_KES_API_KEY (or KES_API_KEY), or MINIO_KES_CERT_FILE and MINIO_KES_KEY_FILE (or KES_CLIENT_CERT and KES_CLIENT_KEY)"
        )
    }
}

enum ColorMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, never, always
}

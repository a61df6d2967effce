import ArgumentParser
import Foundation
import KESClient

/// Flags every client command takes, and the `KES_*` environment (as KES's own CLI reads them; docs/formats.md, "Identities and API keys").
struct ClientOptions: ParsableArguments {
    @Flag(name: [.customShort("k"), .long], help: "Skip verification of the server's certificate.")
    var insecure = false

    @Flag(name: .long, help: "Print JSON for scripts.")
    var json = false

    @Option(name: .long, help: "Colour output: auto (only on a terminal), never or always.")
    var color: ColorMode = .auto

    var style: Style { Style(mode: json ? .never : color) }

    /// Endpoints from `KES_SERVER`: a comma-separated list, https://127.0.0.1:7373 by default.
    static func endpoints(_ environment: [String: String]) -> [String] {
        let value = environment["KES_SERVER"] ?? ""
        let endpoints = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return endpoints.isEmpty ? ["https://127.0.0.1:7373"] : endpoints
    }

    /// Builds the client from the environment.
    /// - Throws: ``UsageFailure`` for missing or conflicting credentials.
    func makeClient(
        endpoints: [String]? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KESClient {
        let apiKey = environment["KES_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let certificate = environment["KES_CLIENT_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        let privateKey = environment["KES_CLIENT_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        let credentials: KESCredentials
        switch (apiKey, certificate, privateKey) {
        case (.some, nil, nil):
            do {
                credentials = try .apiKey(apiKey!)
            } catch {
                throw UsageFailure("KES_API_KEY is not a valid API key: \(error)")
            }
        case (nil, .some(let certificate), .some(let privateKey)):
            do {
                credentials = try .certificateFiles(certificate: certificate, privateKey: privateKey)
            } catch {
                throw UsageFailure("KES_CLIENT_CERT/KES_CLIENT_KEY: \(error)")
            }
        case (nil, nil, nil):
            throw UsageFailure("no credentials: set KES_API_KEY, or KES_CLIENT_CERT and KES_CLIENT_KEY")
        case (nil, _, _):
            throw UsageFailure("KES_CLIENT_CERT and KES_CLIENT_KEY must be set together")
        case (.some, _, _):
            throw UsageFailure("KES_API_KEY and KES_CLIENT_CERT/KES_CLIENT_KEY are both set; use one kind of credentials")
        }
        do {
            return try KESClient(configuration: KESClientConfiguration(
                endpoints: endpoints ?? Self.endpoints(environment), credentials: credentials, insecure: insecure))
        } catch {
            throw UsageFailure("\(error)")
        }
    }
}

enum ColorMode: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, never, always
}

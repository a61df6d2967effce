import Foundation
import KESCore
import KESKeyStore
import KESServer
import NIOSSL

/// `kes server --dev`: everything a first try needs, nothing to prepare.
enum DevServer {
    static func run(address: String) async throws {
        let directory = try makePrivateDirectory()
        let apiKey = APIKey.random()
        let serverCertificate = try CertificateMinter.selfSigned(
            keyType: .p256, commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1", "::1"],
            validity: .seconds(30 * 24 * 3600)
        )
        let clientCertificate = try CertificateMinter.clientCertificate(for: apiKey)
        // Only the client's files are written, for curl and the CLI; the server's certificate stays in memory.
        let files = ["client.crt": clientCertificate.certificatePEM, "client.key": clientCertificate.privateKeyPEM]
        for (name, contents) in files {
            try NewFile.write(contents, to: "\(directory)/\(name)", mode: 0o600, replacing: false)
        }
        let tls = ServerTLSConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(serverCertificate.certificatePEM.utf8)),
            privateKey: try NIOSSLPrivateKey(bytes: Array(serverCertificate.privateKeyPEM.utf8), format: .pem))
        let configuration = ServerConfiguration(
            address: address, tls: tls,
            settings: ServerSettings(policySet: try PolicySet(admin: apiKey.identity, policies: [])),
            keyStore: MemoryKeyStore())
        try await ServerCommand.serve(configuration, configPath: nil) { port in
            let host = address.split(separator: ":").dropLast().joined(separator: ":")
            let url = "https://\(host.isEmpty || host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
            return """
                swift-kes \(KESVersion.version) dev server (in-memory keys; they vanish on exit)

                  Endpoint   \(url)
                  API key    \(apiKey.text)
                  Admin      \(apiKey.identity.rawValue)
                  Client TLS \(directory)/client.crt  \(directory)/client.key

                Try it:
                  export KES_SERVER=\(url)
                  export KES_API_KEY=\(apiKey.text)
                  curl -sk --cert \(directory)/client.crt --key \(directory)/client.key \(url)/v1/status
                  curl -sk --cert \(directory)/client.crt --key \(directory)/client.key -X PUT \(url)/v1/key/create/my-key
                  curl -sk --cert \(directory)/client.crt --key \(directory)/client.key -X PUT -d '{}' \(url)/v1/key/generate/my-key
                """
        }
    }

    /// A new directory only this user can enter. A name derived from the pid could already exist,
    /// made by anyone, and the client key would land in it.
    private static func makePrivateDirectory() throws -> String {
        var base = FileManager.default.temporaryDirectory.path
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        var template = Array("\(base)/kes-dev-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else {
            let reason = String(cString: strerror(errno)).lowercased()
            throw NewFile.Failure(description: "cannot create a directory in '\(base)': \(reason)")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

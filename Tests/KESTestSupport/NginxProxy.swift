import Foundation
import KESCore

/// nginx as a TLS-terminating proxy in front of a test server (KES's `tls.proxy` setup),
/// started through `backends/nginx-tls-proxy.sh` and stopped by its PID through
/// `backends/stop.sh`.
public final class NginxProxy: Sendable {
    /// The header nginx forwards each client's certificate in.
    public static let certificateHeader = "X-Tls-Client-Cert"

    public let port: Int
    public let directory: URL
    public var pidFile: URL { directory.appendingPathComponent("nginx.pid") }

    /// True when the launcher finds nginx (Debian puts it in /usr/sbin, often not on a user's
    /// PATH); the nginx tests are skipped otherwise.
    public static let isInstalled: Bool =
        BackendLauncher.isInstalled("nginx")
        || ["/usr/sbin/nginx", "/usr/local/sbin/nginx"].contains { FileManager.default.isExecutableFile(atPath: $0) }

    private init(port: Int, directory: URL) {
        self.port = port
        self.directory = directory
    }

    /// Starts nginx on a port it is handed already bound (port 0), in front of swift-kes on
    /// `127.0.0.1:upstreamPort`.
    /// - Parameters:
    ///   - identity: nginx's client certificate towards swift-kes, which the server's
    ///     `tls.proxy.identities` lists.
    ///   - clientCA: a CA file; clients without a certificate from it are refused by nginx.
    ///     Without one, nginx asks for a certificate but takes any, or none.
    ///   - upstreamBind: the address nginx connects to swift-kes from, e.g. `127.0.0.2`, so that
    ///     the proxy's address differs from its clients' (`127.0.0.1`).
    public static func start(
        upstreamPort: Int, identity: TestIdentity, clientCA: String? = nil, upstreamBind: String? = nil
    ) async throws -> NginxProxy {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kes-nginx-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try CertificateMinter.selfSigned(
            keyType: .p256, commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], validity: .seconds(3600))
        let files = [
            "server.crt": server.certificatePEM, "server.key": server.privateKeyPEM,
            "proxy.crt": identity.certificatePEM, "proxy.key": identity.privateKeyPEM,
        ]
        for (name, contents) in files {
            try contents.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        var environment = ["NGINX_CERT_HEADER": certificateHeader]
        if let clientCA { environment["NGINX_CLIENT_CA"] = clientCA }
        if let upstreamBind { environment["NGINX_UPSTREAM_BIND"] = upstreamBind }
        let launched = try await BackendLauncher.start(
            "nginx-tls-proxy.sh", arguments: ["0", "127.0.0.1:\(upstreamPort)", directory.path], directory: directory.path,
            pidName: "nginx.pid", environment: environment)
        guard let address = launched.values["PROXY_ADDR"], let colon = address.lastIndex(of: ":"),
            let port = Int(address[address.index(after: colon)...])
        else {
            await launched.stop()
            throw NoAddress(values: launched.values)
        }
        return NginxProxy(port: port, directory: directory)
    }

    public struct NoAddress: Error, CustomStringConvertible {
        public let values: [String: String]
        public var description: String { "nginx-tls-proxy.sh printed no PROXY_ADDR with a port: \(values)" }
    }

    /// Stops nginx by the PID the launcher recorded, waits until it is gone, and removes its
    /// directory.
    public func shutdown() async {
        await BackendLauncher.stop(pidFile: pidFile.path)
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts nginx, runs `body`, and always stops nginx, also when `body` throws.
    public static func with<T>(
        upstreamPort: Int, identity: TestIdentity, clientCA: String? = nil, upstreamBind: String? = nil,
        _ body: (NginxProxy) async throws -> T
    ) async throws -> T {
        let proxy = try await start(upstreamPort: upstreamPort, identity: identity, clientCA: clientCA, upstreamBind: upstreamBind)
        return try await withAsyncCleanup {
            try await body(proxy)
        } cleanup: {
            await proxy.shutdown()
        }
    }
}

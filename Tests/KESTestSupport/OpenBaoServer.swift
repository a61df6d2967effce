import Foundation

/// A running OpenBao started by one of the `backends/` launchers.
public struct OpenBaoServer: Sendable {
    public enum Kind: Sendable {
        /// `openbao-dev.sh`: in-memory, unsealed, root token `rootToken`.
        case dev
        /// `openbao-dev.sh` with `OPENBAO_DEV_TLS=1`: as `.dev`, over HTTPS.
        case devTLS
        /// `openbao-sealed.sh`: a real server with one unseal key, left unsealed.
        case sealable
    }

    public let address: String
    public let rootToken: String
    /// The generated CA (`.devTLS` only).
    public let caFile: String?
    /// The unseal key (`.sealable` only).
    public let unsealKey: String?
    public let directory: URL

    public var pidFile: URL { directory.appendingPathComponent("openbao.pid") }
}

public enum OpenBaoLauncherError: Error, CustomStringConvertible {
    case failed(String)
    public var description: String {
        switch self { case .failed(let text): return text }
    }
}

/// Starts OpenBao, runs `body`, and always stops the server, also when `body` throws.
public func withOpenBao<T>(
    _ kind: OpenBaoServer.Kind = .dev,
    _ body: (OpenBaoServer) async throws -> T
) async throws -> T {
    let server = try await OpenBaoLauncher.start(kind)
    do {
        let result = try await body(server)
        await OpenBaoLauncher.stop(server)
        return result
    } catch {
        await OpenBaoLauncher.stop(server)
        throw error
    }
}

public enum OpenBaoLauncher {
    public static let rootToken = "ROOT"

    /// True when `bao` is on the PATH; OpenBao tests are skipped otherwise (outside CI).
    public static let isInstalled: Bool = BackendLauncher.isInstalled("bao")

    /// Starts OpenBao on a port its listener picks itself (port 0), so no parallel test can
    /// take the port between choosing and binding it.
    public static func start(_ kind: OpenBaoServer.Kind) async throws -> OpenBaoServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kes-openbao-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        do {
            return try await launch(kind, port: 0, directory: directory)
        } catch {
            await BackendLauncher.stop(pidFile: directory.appendingPathComponent("openbao.pid").path)
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    public static func stop(_ server: OpenBaoServer) async {
        await BackendLauncher.stop(pidFile: server.pidFile.path)
        try? FileManager.default.removeItem(at: server.directory)
    }

    /// Kills the server outright and waits, for tests of an unreachable Vault.
    public static func kill(_ server: OpenBaoServer) async {
        await BackendLauncher.stop(pidFile: server.pidFile.path)
    }

    private static func launch(_ kind: OpenBaoServer.Kind, port: Int, directory: URL) async throws -> OpenBaoServer {
        let launcher: BackendLauncher
        switch kind {
        case .dev, .devTLS:
            launcher = try await BackendLauncher.start(
                "openbao-dev.sh", arguments: [String(port), rootToken, directory.path],
                directory: directory.path, pidName: "openbao.pid",
                environment: kind == .devTLS ? ["OPENBAO_DEV_TLS": "1"] : [:]
            )
        case .sealable:
            launcher = try await BackendLauncher.start(
                "openbao-sealed.sh", arguments: [String(port), directory.path],
                directory: directory.path, pidName: "openbao.pid"
            )
        }
        let output = launcher.values
        guard let address = output["VAULT_ADDR"] else {
            throw OpenBaoLauncherError.failed("launcher printed no VAULT_ADDR")
        }
        switch kind {
        case .dev:
            return OpenBaoServer(address: address, rootToken: rootToken, caFile: nil, unsealKey: nil, directory: directory)
        case .devTLS:
            return OpenBaoServer(address: address, rootToken: rootToken, caFile: output["VAULT_CACERT"], unsealKey: nil, directory: directory)
        case .sealable:
            let initFile = URL(fileURLWithPath: output["VAULT_INIT"] ?? "")
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: initFile)) as? [String: Any]
            guard let root = object?["root_token"] as? String,
                  let key = (object?["keys_base64"] as? [String])?.first
            else { throw OpenBaoLauncherError.failed("init.json lacks root_token or keys_base64") }
            return OpenBaoServer(address: address, rootToken: root, caFile: nil, unsealKey: key, directory: directory)
        }
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A moto server started through `backends/moto.sh` and stopped by its PID
/// through `backends/stop.sh`. moto is in-memory: a restart loses all data.
public final class MotoServer: Sendable {
    public let port: Int
    public let directory: URL
    public var endpoint: String { "http://127.0.0.1:\(port)" }
    public var pidFile: URL { directory.appendingPathComponent("moto.pid") }

    /// True when `moto_server` is on the PATH; moto tests are skipped otherwise.
    public static let isInstalled: Bool = BackendLauncher.isInstalled("moto_server")

    private init(port: Int, directory: URL) {
        self.port = port
        self.directory = directory
    }

    /// Starts moto in a fresh temporary directory on a loopback port it binds itself (port 0),
    /// so no parallel test can take the port between choosing and binding it.
    public static func start() async throws -> MotoServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("kes-moto-\(UUID().uuidString)")
        let launched = try await BackendLauncher.start(
            "moto.sh", arguments: ["0", directory.path], directory: directory.path, pidName: "moto.pid")
        guard let port = launched.port else {
            await launched.stop()
            throw MotoError.noPortReported(launched.values)
        }
        return MotoServer(port: port, directory: directory)
    }

    /// Starts moto again on the same port and directory. The port was the kernel's pick, so
    /// another socket may hold it for a moment; the launcher is retried for a few seconds.
    public func launch() async throws {
        _ = try await BackendLauncher.start(
            "moto.sh", arguments: [String(port), directory.path], directory: directory.path, pidName: "moto.pid",
            attempts: 10)
    }

    /// Stops the server by the PID the launcher recorded and waits until it is gone.
    public func stop() async {
        await BackendLauncher.stop(pidFile: pidFile.path)
    }

    /// Stops the server and removes its directory.
    public func shutdown() async {
        await stop()
        try? FileManager.default.removeItem(at: directory)
    }

    public enum MotoError: Error, CustomStringConvertible {
        case noFreePort
        case noPortReported([String: String])

        public var description: String {
            switch self {
            case .noFreePort: "no free loopback port"
            case .noPortReported(let values): "moto.sh printed no AWS_ENDPOINT with a port: \(values)"
            }
        }
    }

    /// Runs `body` with the port of a socket that accepts TCP connections (the
    /// kernel completes the handshake) but never reads or answers: a hung server.
    public static func withSilentListener(_ body: (Int) async throws -> Void) async throws {
        let (fd, port) = try boundLoopbackSocket()
        defer { close(fd) }
        guard listen(fd, 16) == 0 else { throw MotoError.noFreePort }
        try await body(port)
    }

    private static func boundLoopbackSocket() throws -> (Int32, Int) {
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw MotoError.noFreePort }
        var closeOnExit = true
        defer { if closeOnExit { close(fd) } }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw MotoError.noFreePort }
        var actual = sockaddr_in()
        var actualLength = length
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        guard named == 0 else { throw MotoError.noFreePort }
        closeOnExit = false
        return (fd, Int(UInt16(bigEndian: actual.sin_port)))
    }
}

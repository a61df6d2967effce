import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts the real backends of `backends/` (OpenBao, moto) for migration tests and stops
/// them by the PID their launcher recorded.
struct BackendLauncher {
    let pidFile: String
    let directory: String

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func isInstalled(_ command: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
    }

    /// `backends/openbao-dev.sh PORT TOKEN DIR`.
    static func openBao(port: Int, token: String) async throws -> BackendLauncher {
        let directory = NSTemporaryDirectory() + "kes-bao-\(UUID().uuidString)"
        try await run("\(repositoryRoot)/backends/openbao-dev.sh", [String(port), token, directory])
        return BackendLauncher(pidFile: directory + "/openbao.pid", directory: directory)
    }

    /// `backends/moto.sh PORT DIR`.
    static func moto(port: Int) async throws -> BackendLauncher {
        let directory = NSTemporaryDirectory() + "kes-moto-\(UUID().uuidString)"
        try await run("\(repositoryRoot)/backends/moto.sh", [String(port), directory])
        return BackendLauncher(pidFile: directory + "/moto.pid", directory: directory)
    }

    func stop() async {
        _ = try? await Self.run("\(Self.repositoryRoot)/backends/stop.sh", [pidFile])
        try? FileManager.default.removeItem(atPath: directory)
    }

    struct LaunchError: Error, CustomStringConvertible {
        let description: String
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) async throws -> String {
        let output = NSTemporaryDirectory() + "kes-launch-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw LaunchError(description: "\(executable) exited \(process.terminationStatus): \(text)")
        }
        return text
    }

    /// A loopback port nobody listens on right now (and, for OpenBao, nor on the next one).
    static func freePort() throws -> Int {
        for _ in 0..<20 {
            let port = Int.random(in: 20_000..<45_000)
            if isFree(port) && isFree(port + 1) { return port }
        }
        throw LaunchError(description: "no free loopback port")
    }

    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

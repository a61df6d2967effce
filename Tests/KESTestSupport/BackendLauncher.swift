import Foundation

/// Runs one of the `backends/` launchers, the same scripts developers and CI use, and
/// stops what it started by PID.
public struct BackendLauncher: Sendable {
    public let pidFile: String
    /// The `KEY=VALUE` lines the launcher printed, e.g. `VAULT_ADDR`.
    public let values: [String: String]

    public static let backendsDirectory: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // KESTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("backends").path

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - script: e.g. `openbao-dev.sh`.
    ///   - pidName: the file the launcher writes into `directory`, e.g. `openbao.pid`.
    public static func start(
        _ script: String, arguments: [String], directory: String, pidName: String, environment: [String: String] = [:]
    ) throws -> BackendLauncher {
        let process = Process()
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [backendsDirectory + "/" + script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(script) exited \(process.terminationStatus): \(text)")
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return BackendLauncher(pidFile: directory + "/" + pidName, values: values)
    }

    /// Stops the process by PID and waits for it to exit.
    public func stop() {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.backendsDirectory + "/stop.sh", pidFile]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try? process.run()
        process.waitUntilExit()
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        // The dev OpenBao also binds PORT+1, so stay below the top of the range.
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public static func isInstalled(_ command: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(command)") }
    }
}

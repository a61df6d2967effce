import Foundation
import Testing

/// Runs the built `kes` executable as a subprocess.
struct CLIRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// `.build/debug/kes`, found from this file's path (Tests/KESClientTests/… → repo root).
    static var binary: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for configuration in ["debug", "release"] {
            let path = root.appendingPathComponent(".build/\(configuration)/kes").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return root.appendingPathComponent(".build/debug/kes").path
    }

    var environment: [String: String]

    init(environment: [String: String]) {
        var base = ProcessInfo.processInfo.environment
        for name in ["KES_SERVER", "KES_API_KEY", "KES_CLIENT_CERT", "KES_CLIENT_KEY"] { base[name] = nil }
        self.environment = base.merging(environment) { _, new in new }
    }

    /// Runs `kes <arguments>` and waits (at most `timeout`) for it to exit. With `stopAfter`,
    /// a command that runs until interrupted (`kes log`) is stopped with SIGTERM then.
    func run(_ arguments: [String], timeout: Duration = .seconds(120), stopAfter: Duration? = nil) async throws -> Result {
        let directory = NSTemporaryDirectory() + "kes-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outPath = directory + "/out", errPath = directory + "/err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if let stopAfter, ContinuousClock.now > deadline - timeout + stopAfter {
                process.terminate()
                break
            }
            if ContinuousClock.now > deadline {
                process.terminate()
                Issue.record("kes \(arguments.joined(separator: " ")) timed out")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

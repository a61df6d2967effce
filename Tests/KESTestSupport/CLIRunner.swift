import Foundation
import Testing

/// Runs the `kes` executable `swift test` built alongside the tests, as a subprocess.
public struct CLIRunner {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// `.build/debug/kes` (or the release one), found from this file's path.
    public static var binary: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for configuration in ["debug", "release"] {
            let path = root.appendingPathComponent(".build/\(configuration)/kes").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return root.appendingPathComponent(".build/debug/kes").path
    }

    public var environment: [String: String]

    /// Every variable the CLI reads for its server and credentials; cleared so that the
    /// developer's own environment cannot leak into a test.
    public static let clientEnvironment = [
        "MINIO_KES_SERVER", "MINIO_KES_API_KEY", "MINIO_KES_KEY_FILE", "MINIO_KES_CERT_FILE",
        "KES_SERVER", "KES_API_KEY", "KES_CLIENT_CERT", "KES_CLIENT_KEY", "KES_ENCLAVE",
        "MINIO_KMS_KES_ENDPOINT", "MINIO_KMS_KES_API_KEY", "MINIO_KMS_KES_KEY_FILE", "MINIO_KMS_KES_CERT_FILE",
    ]

    public init(environment: [String: String]) {
        var base = ProcessInfo.processInfo.environment
        for name in Self.clientEnvironment { base[name] = nil }
        self.environment = base.merging(environment) { _, new in new }
    }

    /// A `kes` process started by `start`, still running.
    public struct Running {
        public let process: Process
        public let arguments: [String]
        public let outPath: String
        public let errPath: String
        public let directory: String

        /// What it has written to stdout so far.
        public var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

        /// Stops it with SIGTERM (unless it exited already) and waits for its exit, polling,
        /// so no thread of the cooperative pool blocks in `waitUntilExit`.
        public func stop(timeout: Duration = .seconds(30)) async throws -> Result {
            if process.isRunning { process.terminate() }
            let deadline = ContinuousClock.now + timeout
            while process.isRunning {
                if ContinuousClock.now > deadline {
                    kill(process.processIdentifier, SIGKILL)
                    Issue.record("kes \(arguments.joined(separator: " ")) ignored SIGTERM")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // Read with `try`: output that cannot be read must not look like empty output.
            return Result(
                status: process.terminationStatus,
                stdout: try String(contentsOfFile: outPath, encoding: .utf8),
                stderr: try String(contentsOfFile: errPath, encoding: .utf8))
        }
    }

    /// Starts `kes <arguments>` and returns at once; the caller must `stop()` it.
    public func start(_ arguments: [String]) throws -> Running {
        let directory = NSTemporaryDirectory() + "kes-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let outPath = directory + "/out", errPath = directory + "/err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        return Running(process: process, arguments: arguments, outPath: outPath, errPath: errPath, directory: directory)
    }

    /// Runs `kes <arguments>` and waits (at most `timeout`) for it to exit.
    public func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> Result {
        let running = try start(arguments)
        let deadline = ContinuousClock.now + timeout
        while running.process.isRunning {
            if ContinuousClock.now > deadline {
                Issue.record("kes \(arguments.joined(separator: " ")) timed out")
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await running.stop()
    }
}

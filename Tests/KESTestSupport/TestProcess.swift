import Foundation

/// Runs a program to completion for a test and returns its exit status and output.
///
/// Input and output go through files, not pipes: a pipe's write end can leak into a sibling
/// test's child (and from there into a long-lived server), so EOF might never come. The wait
/// does not block a thread of the cooperative pool either.
public enum TestProcess {
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String = ""
    ) async throws -> (status: Int32, output: String, errors: String) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kes-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inURL = scratch.appendingPathComponent("stdin")
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: inURL.path, contents: Data(input.utf8))
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let stdin = try FileHandle(forReadingFrom: inURL)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? stdin.close()
            try? out.close()
            try? err.close()
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = stdin
        process.standardOutput = out
        process.standardError = err
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        // Read with `try`: output that cannot be read must not look like empty output.
        let output = try String(contentsOf: outURL, encoding: .utf8)
        let errors = try String(contentsOf: errURL, encoding: .utf8)
        return (status, output, errors)
    }
}

import Foundation
import KESFileStore
import KESKeyStore

/// A fresh directory under /tmp for one test, removed afterwards whatever happens.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    var template = Array("/tmp/kes-fs-test-XXXXXX".utf8CString)
    let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard let created else { throw KeyStoreError.failed("mkdtemp failed") }
    let path = String(cString: created)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Names in `path` that start with the store's temp-file prefix.
func tempFiles(in path: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasPrefix(".kes-tmp-") }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }


let invalidNameError = KeyStoreError.failed("fs: key name contains invalid character")

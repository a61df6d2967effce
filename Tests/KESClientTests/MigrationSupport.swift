import Foundation
import KESClient
import KESCore
import KESTestSupport
import Testing

/// Key stores and configs for `kes migrate` tests.
enum MigrationSupport {
    /// Writes a config file naming only a key store, as a migration config may.
    static func config(_ keystoreYAML: String) throws -> String {
        let path = NSTemporaryDirectory() + "kes-migrate-\(UUID().uuidString).yaml"
        try ("keystore:\n" + keystoreYAML).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func fsConfig(_ directory: String) throws -> String {
        try config("  fs:\n    path: \(directory)/keys\n")
    }

    /// Starts a server on `directory`, runs `body` with a client, and stops the server.
    static func withServer<T>(
        directory: String, admin: APIKey, _ body: (KESClient) async throws -> T
    ) async throws -> T {
        let server = try await TestServer(admin: try TestIdentity.apiKey(admin), directory: directory)
        let client = try KESClient(endpoint: "https://127.0.0.1:\(server.port)", apiKey: admin.text, insecure: true)
        // Waits for the server's end, so its store is closed before a migration reads the directory.
        return try await withAsyncCleanup {
            try await body(client)
        } cleanup: {
            await #expect(throws: Never.self) { try await client.shutdown() }
            await #expect(throws: Never.self) { try await server.stopAndWait() }
        }
    }

    /// Creates `names` through a server on `directory` and returns a ciphertext of each name, made with its key.
    static func createKeys(_ names: [String], in directory: String, admin: APIKey) async throws -> [String: [UInt8]] {
        try await withServer(directory: directory, admin: admin) { client in
            try await withThrowingTaskGroup(of: (String, [UInt8]).self) { group in
                let chunks = stride(from: 0, to: names.count, by: max(1, names.count / 8)).map {
                    Array(names[$0..<min($0 + max(1, names.count / 8), names.count)])
                }
                for chunk in chunks {
                    group.addTask {
                        var last: (String, [UInt8]) = ("", [])
                        for name in chunk {
                            try await client.createKey(name)
                            last = (name, [])
                        }
                        return last
                    }
                }
                for try await _ in group {}
            }
            var ciphertexts: [String: [UInt8]] = [:]
            for name in names {
                ciphertexts[name] = try await client.encrypt(name, plaintext: Array(name.utf8), context: Array("ctx".utf8))
            }
            return ciphertexts
        }
    }

    /// The key files in a file store's directory; an unreadable directory is an error, not an empty store.
    static func keyFiles(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory + "/keys").filter { !$0.hasPrefix(".") }.sorted()
    }

    static func copyKeyFile(_ name: String, from source: String, to destination: String) throws {
        try FileManager.default.createDirectory(atPath: destination + "/keys", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(source)/keys/\(name)", toPath: "\(destination)/keys/\(name)")
    }

    static func keyFile(_ name: String, in directory: String) -> [UInt8]? {
        FileManager.default.contents(atPath: "\(directory)/keys/\(name)").map(Array.init)
    }
}

import Foundation
import KESClient
import KESCore
import KESTestSupport
import Testing

/// The `kes` CLI as scripts and the MinIO Operator use KES's: deprecated server flags, the
/// environment names in KES's order, JSON on a pipe, Go durations, encrypted keys, enclaves.
@Suite(.timeLimit(.minutes(3))) struct CLIHabitsTests {
    /// The MinIO Operator's exact command line starts a server, with a one-line warning.
    @Test func theOperatorsCommandLineStartsAServer() async throws {
        let setup = try await ConfigDirectory.make()
        defer { setup.remove() }
        let config = try setup.writeConfig(tls: "tls: { key: \(setup.path)/server.key, cert: \(setup.path)/server.crt }")
        let server = try CLIRunner(environment: [:]).start(["server", "--config=\(config)", "--auth=off"])
        let port = try await waitForPort(server)
        // A bare HOST:PORT, as MinIO's own variables hold it.
        let kes = CLIRunner(environment: ["MINIO_KES_SERVER": "127.0.0.1:\(port)", "MINIO_KES_API_KEY": setup.apiKey.text])
        var result = try await kes.run(["key", "create", "operator-key", "-k"])
        #expect(result.status == 0, "\(result.stderr)")
        result = try await kes.run(["key", "dek", "operator-key", "-k"])
        let dek = try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))
        #expect(dek["ciphertext"].flatMap { Base64.decode($0) } != nil)

        let stopped = try await server.stop()
        #expect(stopped.status == 0)
        let warnings = stopped.stderr.split(separator: "\n").filter { $0.contains("WARNING") }
        #expect(warnings == ["WARNING: '--auth' is deprecated; set tls.auth in the config file instead"])
    }

    /// `--key` and `--cert` stand in for a config without `tls:`; `--auth on` turns chain
    /// verification on, which a self-signed API-key certificate then fails.
    @Test func deprecatedKeyCertAndAuthFlagsOverrideTheConfig() async throws {
        let setup = try await ConfigDirectory.make()
        defer { setup.remove() }
        let config = try setup.writeConfig(tls: "")
        let flags = ["--key", "\(setup.path)/server.key", "--cert", "\(setup.path)/server.crt"]
        var server = try CLIRunner(environment: [:]).start(["server", "--config", config] + flags)
        var port = try await waitForPort(server)
        let environment = ["KES_API_KEY": setup.apiKey.text]
        var result = try await CLIRunner(environment: environment.merging(["KES_SERVER": "https://127.0.0.1:\(port)"]) { $1 })
            .run(["key", "create", "flag-key", "-k"])
        #expect(result.status == 0, "\(result.stderr)")
        var stopped = try await server.stop()
        #expect(stopped.stderr.contains("WARNING: '--key' is deprecated") && stopped.stderr.contains("WARNING: '--cert' is deprecated"))

        server = try CLIRunner(environment: [:]).start(["server", "--config", config, "--auth", "on"] + flags)
        port = try await waitForPort(server)
        result = try await CLIRunner(environment: environment.merging(["KES_SERVER": "https://127.0.0.1:\(port)"]) { $1 })
            .run(["key", "create", "refused-key", "-k"])
        #expect(result.status == 1)
        stopped = try await server.stop()

        result = try await CLIRunner(environment: [:]).run(["server", "--config", config, "--auth", "maybe"])
        #expect(result.status == 2)
    }

    /// MINIO_KES_* first, then KES_*, then MinIO's MINIO_KMS_KES_*; the first tier that sets any
    /// credential is the one used.
    @Test func environmentPrecedence() async throws {
        try await withFixture { fixture in
            try await fixture.client.createKey("env-key")
            let good = fixture.endpoint
            let bad = "https://127.0.0.1:1"
            let admin = fixture.apiKey.text
            let stranger = APIKey.random().text
            func dek(_ environment: [String: String]) async throws -> CLIRunner.Result {
                try await CLIRunner(environment: environment).run(["key", "dek", "env-key", "-k"])
            }
            var result = try await dek(["MINIO_KES_SERVER": good, "KES_SERVER": bad, "MINIO_KMS_KES_ENDPOINT": bad, "KES_API_KEY": admin])
            #expect(result.status == 0, "\(result.stderr)")
            result = try await dek(["MINIO_KES_SERVER": bad, "KES_SERVER": good, "KES_API_KEY": admin])
            #expect(result.status == 1)
            result = try await dek(["KES_SERVER": good, "MINIO_KMS_KES_ENDPOINT": bad, "KES_API_KEY": admin])
            #expect(result.status == 0, "\(result.stderr)")
            result = try await dek(["MINIO_KMS_KES_ENDPOINT": good, "MINIO_KMS_KES_API_KEY": admin])
            #expect(result.status == 0, "\(result.stderr)")

            result = try await dek(["KES_SERVER": good, "MINIO_KES_API_KEY": admin, "KES_API_KEY": stranger, "MINIO_KMS_KES_API_KEY": stranger])
            #expect(result.status == 0, "\(result.stderr)")
            result = try await dek(["KES_SERVER": good, "MINIO_KES_API_KEY": stranger, "KES_API_KEY": admin])
            #expect(result.status == 1)
            result = try await dek(["KES_SERVER": good, "KES_API_KEY": admin, "MINIO_KMS_KES_API_KEY": stranger])
            #expect(result.status == 0, "\(result.stderr)")

            // A tier with a certificate pair wins over a lower tier's API key, and is checked as a pair.
            result = try await dek(["KES_SERVER": good, "MINIO_KES_CERT_FILE": "/nonexistent.crt", "KES_API_KEY": admin])
            #expect(result.status == 2 && result.stderr.contains("MINIO_KES_CERT_FILE and MINIO_KES_KEY_FILE must be set together"))
            result = try await dek(["KES_SERVER": good, "MINIO_KES_API_KEY": admin, "MINIO_KES_KEY_FILE": "k", "MINIO_KES_CERT_FILE": "c"])
            #expect(result.status == 2 && result.stderr.contains("both set"))
        }
    }

    /// Stdout here is a file, so every command shows its piped behaviour.
    @Test func pipedOutputIsWhatKESPrints() async throws {
        try await withFixture { fixture in
            let kes = CLIRunner(environment: ["KES_SERVER": fixture.endpoint, "KES_API_KEY": fixture.apiKey.text])
            var result = try await kes.run(["key", "create", "pipe-a", "pipe-b", "-k"])
            #expect(result.status == 0 && result.stdout.isEmpty, "KES prints nothing on success: \(result.stdout)")

            result = try await kes.run(["key", "dek", "pipe-a", "-k"])
            #expect(result.stdout.split(separator: "\n").count == 1)
            let dek = try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))
            let sealed = try #require(dek["ciphertext"].flatMap { Base64.decode($0) })
            #expect(try await fixture.client.decrypt("pipe-a", ciphertext: sealed) == dek["plaintext"].flatMap { Base64.decode($0) })

            result = try await kes.run(["key", "encrypt", "pipe-a", "hello", "-k"])
            let ciphertext = try #require(try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))["ciphertext"])
            result = try await kes.run(["key", "decrypt", "pipe-a", ciphertext, "-k"])
            let opened = try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))
            #expect(opened == ["plaintext": Base64.encode(Array("hello".utf8))])

            result = try await kes.run(["key", "ls", "-k"])
            #expect(result.stdout == "pipe-a\npipe-b\n")
            for arguments in [["key", "ls", "pipe*", "-k", "--json"], ["ls", "pipe*", "-k", "--json"]] {
                result = try await kes.run(arguments)
                #expect(try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8)) == ["pipe-a", "pipe-b"])
            }
            result = try await kes.run(["ls", "-i", "-k", "--json"])
            #expect(try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8)).contains(fixture.apiKey.identity.rawValue))
            result = try await kes.run(["ls", "-p", "-k", "--json"])
            #expect(try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8)) == [])
            result = try await kes.run(["identity", "ls", "-k", "--json"])
            #expect(try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8)).contains(fixture.apiKey.identity.rawValue))
            result = try await kes.run(["ls", "-p", "-i", "-k"])
            #expect(result.status == 2)
            // `-s` and `-a` stand in for the environment.
            result = try await CLIRunner(environment: [:]).run(["ls", "-s", fixture.endpoint, "-a", fixture.apiKey.text, "-k"])
            #expect(result.stdout == "pipe-a\npipe-b\n", "\(result.stderr)")

            result = try await kes.run(["status", "-k"])
            let status = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(status?["reachable"] as? Bool == true)

            result = try await kes.run(["metric", "-k", "--once"])
            let metrics = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Double]
            #expect(metrics?["kes_http_request_success"] != nil, "\(result.stdout)")
        }
    }

    /// `kes metric` keeps scraping, as KES's does, one JSON line per scrape on a pipe.
    @Test func metricRefreshesUntilStopped() async throws {
        try await withFixture { fixture in
            let kes = CLIRunner(environment: ["KES_SERVER": fixture.endpoint, "KES_API_KEY": fixture.apiKey.text])
            let running = try kes.start(["metric", "-k", "--rate", "100ms"])
            let deadline = ContinuousClock.now + .seconds(30)
            while running.stdout.split(separator: "\n").count < 3, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let result = try await running.stop()
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.count >= 3, "\(result.stdout)\(result.stderr)")
            for line in lines {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line)")
            }
            var once = try await kes.run(["metric", "-k", "--once", "--rate", "1h30m"])
            #expect(once.status == 0, "\(once.stderr)")
            once = try await kes.run(["metric", "-k", "--once", "--rate", "5x"])
            #expect(once.status == 2 && once.stderr.contains("--rate"))
        }
    }

    @Test func bareIdentityAndEnclaves() async throws {
        let apiKey = APIKey.random()
        let kes = CLIRunner(environment: ["KES_SERVER": "https://127.0.0.1:1", "KES_API_KEY": apiKey.text])
        var result = try await kes.run(["identity", apiKey.text])
        #expect(result.status == 0 && result.stdout == apiKey.identity.rawValue + "\n", "\(result.stderr)")

        result = try await kes.run(["key", "ls", "-e", "tenant-1", "-k"])
        #expect(result.status == 2 && result.stderr.contains("not supported by swift-kes"), "\(result.stderr)")
        result = try await CLIRunner(environment: ["KES_API_KEY": apiKey.text, "KES_ENCLAVE": "tenant-1"]).run(["key", "dek", "k", "-k"])
        #expect(result.status == 2 && result.stderr.contains("not supported by swift-kes"), "\(result.stderr)")
    }

    /// `identity new --encrypt` writes the key KES writes, which the server opens with
    /// `tls.password`; a wrong password stops it with the reason.
    @Test func anEncryptedKeyServesWithTLSPassword() async throws {
        let directory = NSTemporaryDirectory() + "kes-encrypt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keyPath = directory + "/server.key", certPath = directory + "/server.crt"
        let created = try runWithInput(
            ["identity", "new", "--key", keyPath, "--cert", certPath, "--ip", "127.0.0.1", "--encrypt", "--expiry", "1h30m", "localhost"],
            input: "correct horse\n")
        #expect(created.status == 0, "\(created.stderr)")
        let pem = try String(contentsOfFile: keyPath, encoding: .utf8)
        #expect(pem.contains("Proc-Type: 4,ENCRYPTED") && pem.contains("DEK-Info: AES-256-CBC,"))
        let mode = try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let apiKey = APIKey.random()
        func config(password: String) throws -> String {
            let path = directory + "/config-\(UUID().uuidString).yaml"
            let text = """
                address: 127.0.0.1:0
                admin: { identity: \(apiKey.identity.rawValue) }
                tls: { key: \(keyPath), cert: \(certPath), password: "\(password)" }
                keystore: { fs: { path: \(directory)/keys } }
                """
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let server = try CLIRunner(environment: [:]).start(["server", "--config", try config(password: "correct horse")])
        let port = try await waitForPort(server)
        let status = try await CLIRunner(environment: ["KES_SERVER": "https://127.0.0.1:\(port)", "KES_API_KEY": apiKey.text])
            .run(["status", "-k"])
        #expect(status.status == 0, "\(status.stderr)")
        _ = try await server.stop()

        let refused = try await CLIRunner(environment: [:]).run(["server", "--config", try config(password: "wrong")])
        #expect(refused.status == 1 && refused.stderr.contains("wrong password"), "\(refused.stderr)")

        let noTerminal = try runWithInput(["identity", "new", "--key", keyPath + "2", "--cert", certPath + "2", "--encrypt"], input: "")
        #expect(noTerminal.status != 0 && noTerminal.stderr.contains("no password"), "\(noTerminal.stderr)")
    }
}

/// A directory with a server certificate made by `kes identity new`, and an admin API key.
private struct ConfigDirectory {
    let path: String
    let apiKey: APIKey

    static func make() async throws -> ConfigDirectory {
        let path = NSTemporaryDirectory() + "kes-habits-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let made = try await CLIRunner(environment: [:]).run([
            "identity", "new", "--key", path + "/server.key", "--cert", path + "/server.crt", "--ip", "127.0.0.1", "localhost",
        ])
        #expect(made.status == 0, "\(made.stderr)")
        return ConfigDirectory(path: path, apiKey: APIKey.random())
    }

    func writeConfig(tls: String) throws -> String {
        let file = path + "/config-\(UUID().uuidString).yaml"
        let text = """
            address: 127.0.0.1:0
            admin: { identity: \(apiKey.identity.rawValue) }
            \(tls)
            keystore: { fs: { path: \(path)/keys } }
            """
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The port from a started server's banner, `(port N)`.
private func waitForPort(_ running: CLIRunner.Running) async throws -> Int {
    let giveUp = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < giveUp {
        let text = running.stdout
        if let port = KESServerProcess.port(inBanner: text) { return port }
        if !running.process.isRunning {
            let result = try await running.stop()
            throw CLIRunnerTimeout(what: "a banner; the server exited \(result.status): \(result.stderr)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw CLIRunnerTimeout(what: "the server's port")
}

/// Runs `kes <arguments>` with `input` on stdin (CLIRunner gives it /dev/null), waiting for it.
private func runWithInput(_ arguments: [String], input: String) throws -> CLIRunner.Result {
    let directory = NSTemporaryDirectory() + "kes-input-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let inPath = directory + "/in", outPath = directory + "/out", errPath = directory + "/err"
    try input.write(toFile: inPath, atomically: true, encoding: .utf8)
    FileManager.default.createFile(atPath: outPath, contents: nil)
    FileManager.default.createFile(atPath: errPath, contents: nil)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CLIRunner.binary)
    process.arguments = arguments
    process.environment = CLIRunner(environment: [:]).environment
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    try process.run()
    // Key generation is quick; this test owns no event loop this could starve.
    process.waitUntilExit()
    return CLIRunner.Result(
        status: process.terminationStatus,
        stdout: try String(contentsOfFile: outPath, encoding: .utf8),
        stderr: try String(contentsOfFile: errPath, encoding: .utf8))
}

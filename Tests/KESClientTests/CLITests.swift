import Foundation
import KESClient
import KESCore
import KESTestSupport
import Testing

@Suite("CLI: client commands against a real server")
struct CLITests {
    @Test func keyVerbsOutputAndExitCodes() async throws {
        try await withFixture { fixture in
            let kes = CLIRunner(environment: ["KES_SERVER": fixture.endpoint, "KES_API_KEY": fixture.apiKey.text])

            var result = try await kes.run(["key", "create", "cli-one", "cli-two", "-k"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.isEmpty, "KES prints nothing on success when piped")

            result = try await kes.run(["key", "create", "cli-one", "-k"])
            #expect(result.status == 1)
            #expect(result.stderr.contains("'cli-one'") && result.stderr.contains("key already exists"))

            result = try await kes.run(["key", "ls", "-k"])
            #expect(result.status == 0)
            #expect(result.stdout == "cli-one\ncli-two\n")
            result = try await kes.run(["ls", "cli-t*", "-k", "--json"])
            #expect(try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8)) == ["cli-two"])

            result = try await kes.run(["key", "info", "cli-one", "-k"])
            #expect(result.stdout.contains("Name        cli-one"))
            #expect(result.stdout.contains("Algorithm   AES256"))
            result = try await kes.run(["key", "info", "missing", "-k"])
            #expect(result.status == 1 && result.stderr.contains("'missing'") && result.stderr.contains("key does not exist"))

            // Piped, encrypt and decrypt print KES's JSON; the plaintext is base64.
            result = try await kes.run(["key", "encrypt", "cli-one", "hello there", "-k"])
            #expect(result.status == 0)
            let ciphertext = try #require(try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))["ciphertext"])
            result = try await kes.run(["key", "decrypt", "cli-one", ciphertext, "-k"])
            #expect(result.stdout == #"{"plaintext":"\#(Base64.encode(Array("hello there".utf8)))"}"# + "\n")
            result = try await kes.run(["key", "decrypt", "cli-two", ciphertext, "-k"])
            #expect(result.status == 1 && result.stderr.contains("not authentic"))

            result = try await kes.run(["key", "dek", "cli-one", "-k", "--json"])
            let dek = try JSONDecoder().decode([String: String].self, from: Data(result.stdout.utf8))
            let sealed = try #require(dek["ciphertext"].flatMap { Base64.decode($0) })
            #expect(try await fixture.client.decrypt("cli-one", ciphertext: sealed) == dek["plaintext"].flatMap { Base64.decode($0) })

            let context = Base64.encode(Array("ctx".utf8))
            result = try await kes.run(["key", "dek", "cli-one", context, "-k"])
            #expect(result.stdout.contains(#""plaintext""#) && result.stdout.contains(#""ciphertext""#))

            result = try await kes.run(["key", "hmac", "cli-one", "message", "-k"])
            #expect(Base64.decode(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))?.count == 32)

            let keyBytes = Base64.encode([UInt8](repeating: 9, count: 32))
            result = try await kes.run(["key", "import", "cli-imported", keyBytes, "-k"])
            #expect(result.status == 0)
            result = try await kes.run(["key", "import", "cli-bad", "AAAA", "-k"])
            #expect(result.status == 2)

            result = try await kes.run(["key", "rm", "cli-two", "-k"])
            #expect(result.status == 0 && result.stdout.isEmpty)
            result = try await kes.run(["key", "rm", "cli-two", "-k"])
            #expect(result.status == 1)
        }
    }

    @Test func statusMetricIdentityPolicyAndLog() async throws {
        try await withFixture { fixture in
            let kes = CLIRunner(environment: ["KES_SERVER": fixture.endpoint, "KES_API_KEY": fixture.apiKey.text])
            // Piped, status is JSON with or without --json, as KES prints it.
            var result = try await kes.run(["status", "-k"])
            #expect(result.status == 0, "\(result.stderr)")
            for field in ["version", "uptime", "latency"] {
                #expect(result.stdout.contains(#""\#(field)""#), "status lacks \(field)")
            }
            result = try await kes.run(["status", "-k", "--json"])
            let status = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            #expect(status?["reachable"] as? Bool == true)

            result = try await kes.run(["metric", "-k", "--once"])
            #expect(result.status == 0 && result.stdout.contains("kes_http_request_success"))

            result = try await kes.run(["identity", "info", "-k"])
            #expect(result.stdout.contains(fixture.apiKey.identity.rawValue) && result.stdout.contains("admin"))
            result = try await kes.run(["identity", "ls", "-k"])
            #expect(result.stdout.contains(fixture.apiKey.identity.rawValue))

            result = try await kes.run(["policy", "ls", "-k", "--json"])
            #expect(result.status == 0)
            result = try await kes.run(["policy", "show", "nope", "-k"])
            #expect(result.status == 1 && result.stderr.contains("'nope'") && result.stderr.contains("policy does not exist"))

            // `kes log` runs until stopped; it must print the event of a call made meanwhile. When
            // its stream is subscribed is not observable from here, so calls are made until one
            // shows up (each polled for a while), within a deadline.
            let log = try kes.start(["log", "--audit", "-k", "--json"])
            var logged: String?
            try await withAsyncCleanup {
                let deadline = ContinuousClock.now + .seconds(30)
                var attempt = 0
                while logged == nil, ContinuousClock.now < deadline {
                    attempt += 1
                    let name = "logged-\(attempt)"
                    try await fixture.client.createKey(name)
                    let shown = ContinuousClock.now + .seconds(2)
                    while logged == nil, ContinuousClock.now < shown {
                        if log.stdout.contains("/v1/key/create/\(name)") { logged = name }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
            } cleanup: {
                await #expect(throws: Never.self) { result = try await log.stop() }
            }
            #expect(logged != nil, "kes log printed no create event: \(result.stdout)\(result.stderr)")
        }
    }

    @Test func usageAndNetworkErrors() async throws {
        let apiKey = APIKey.random().text
        var kes = CLIRunner(environment: ["KES_SERVER": "https://127.0.0.1:1", "KES_API_KEY": apiKey, "KES_CLIENT_CERT": "c", "KES_CLIENT_KEY": "k"])
        var result = try await kes.run(["key", "ls", "-k"])
        #expect(result.status == 2 && result.stderr.contains("both set"))

        kes = CLIRunner(environment: ["KES_SERVER": "https://127.0.0.1:1"])
        result = try await kes.run(["key", "ls", "-k"])
        #expect(result.status == 2 && result.stderr.contains("KES_API_KEY"))

        kes = CLIRunner(environment: ["KES_SERVER": "https://127.0.0.1:1", "KES_API_KEY": apiKey])
        result = try await kes.run(["key", "create", "net", "-k"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("'net'") && result.stderr.contains("127.0.0.1:1"))

        // ArgumentParser's own parse errors (its EX_USAGE, 64) are mapped to 2, as KES exits.
        result = try await kes.run(["key", "info", "-k"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("Missing expected argument"))
    }
}

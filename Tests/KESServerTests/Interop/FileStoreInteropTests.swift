import Foundation
import KESTestSupport
import Testing

/// swift-kes and a reference KES build taking turns on one `keystore.fs` directory: what one
/// stored and encrypted, the other reads and decrypts. Each server runs alone on the directory,
/// as in a migration from one to the other.
@Suite("Interop with reference KES: fs key store")
struct FileStoreInteropTests {
    /// The stored text of `name` in the key directory.
    static func stored(_ directory: String, _ name: String) throws -> String {
        try String(contentsOfFile: directory + "/keys/\(name)", encoding: .utf8)
    }

    static func fsKeystore(_ directory: String) -> String {
        "  fs:\n    path: \(directory)/keys"
    }

    /// The reference server creates keys three ways (create, import, the config's `keys:`) and
    /// encrypts and generates under each, with and without a context; then swift-kes, on the
    /// same directory, decrypts all of them (and refuses each under a wrong context) and lists
    /// the same keys. KES 2023 stores JSON and writes MessagePack ciphertexts; KES 2025 stores
    /// base64 protobuf with an HMAC key, and swift-kes computes the same HMACs from it.
    ///
    /// Measured: KES 2025 ignores `keys:` (no key is created at start-up, and using one answers
    /// 404 "key does not exist"), so only KES 2023 gets declared keys here.
    @Test(
        "keys and ciphertexts of a reference KES are served by swift-kes", .requiresReferenceKES(.v2023, .v2025), .timeLimit(.minutes(1)),
        arguments: ReferenceKES.Release.allCases)
    func referenceToSwiftKES(release: ReferenceKES.Release) async throws {
        let directory = TestServer.makeDirectory()
        let admin = try TestIdentity.apiKey()
        let declared = release == .v2023 ? ["declared-a", "declared-b"] : []
        let names = declared + ["created", "imported"]

        let produced = try await withReferenceKES(
            release, directory: directory, admin: admin, keys: declared, keystore: Self.fsKeystore(directory)
        ) { kes in
            let client = try kes.client()
            // KES 2023 has no HMAC route.
            let produced = try await client.produce(create: "created", import: "imported", existing: declared, hmac: release == .v2025)
            #expect(try await client.keyNames() == Set(names))
            return produced
        }
        #expect(produced.samples.count == 4 * names.count)
        for name in names {
            let text = try Self.stored(directory, name)
            #expect(text.hasPrefix("{") == (release == .v2023), "\(release) stored '\(name)' as \(text.prefix(40))")
        }
        if release == .v2023 {
            #expect(produced.samples.allSatisfy { InteropBytes.isMessagePack($0.ciphertext) })
        }

        let server = try await TestServer(admin: admin, directory: directory)
        try await withAsyncCleanup {
            let client = try server.client()
            try await client.expectServes(produced, on: "swift-kes")
            #expect(try await client.keyNames() == Set(names))
        } cleanup: {
            try? await server.stopAndWait()
        }
    }

    /// swift-kes creates keys three ways and encrypts and generates under each; KES 2025, on the
    /// same directory afterwards, decrypts every ciphertext, lists the same keys, and computes
    /// the same HMACs: it reads the base64 protobuf keys swift-kes stores, HMAC key included.
    @Test("keys and ciphertexts of swift-kes are served by KES 2025", .requiresReferenceKES(.v2025), .timeLimit(.minutes(1)))
    func swiftKESToKES2025() async throws {
        let directory = TestServer.makeDirectory()
        let admin = try TestIdentity.apiKey()
        let names = ["declared-a", "created", "imported"]
        let server = try await TestServer(admin: admin, directory: directory) { $0.keys = ["declared-a"] }
        let produced = try await withAsyncCleanup {
            try await server.client().produce(create: "created", import: "imported", existing: ["declared-a"])
        } cleanup: {
            try? await server.stopAndWait()
        }
        for name in names {
            #expect(try !Self.stored(directory, name).hasPrefix("{"), "swift-kes stores '\(name)' as protobuf")
        }

        try await withReferenceKES(.v2025, directory: directory, admin: admin, keystore: Self.fsKeystore(directory)) { kes in
            let client = try kes.client()
            try await client.expectServes(produced, on: "KES 2025")
            #expect(try await client.keyNames() == Set(names))
        }
    }

    /// KES 2023 reads only its own JSON key format, so it cannot use keys that swift-kes stored
    /// (docs/compatibility.md, "Stored keys": the documented trade-off). Measured: every use of
    /// such a key answers 502 `bad gateway: failed to access key`, and KES 2023 logs "failed to
    /// fetch key …: invalid character 'C' looking for beginning of value"; listing still shows it.
    ///
    /// What does work, and is proved here: a key KES 2023 created stays JSON, and the
    /// ciphertexts swift-kes makes under it (MessagePack, the format KES 2023 writes) decrypt on
    /// KES 2023 afterwards.
    @Test(
        "KES 2023 decrypts swift-kes ciphertexts under its own keys; keys swift-kes stored answer 502", .requiresReferenceKES(.v2023),
        .timeLimit(.minutes(1)))
    func swiftKESToKES2023() async throws {
        let directory = TestServer.makeDirectory()
        let admin = try TestIdentity.apiKey()
        let keystore = Self.fsKeystore(directory)
        try await withReferenceKES(.v2023, directory: directory, admin: admin, keys: ["legacy-declared"], keystore: keystore, label: "first") {
            try await $0.client().createKey("legacy-created")
        }
        let legacy = ["legacy-declared", "legacy-created"]
        let swiftNames = ["declared-a", "created", "imported"]

        let server = try await TestServer(admin: admin, directory: directory) { $0.keys = ["declared-a"] }
        let (legacySamples, swiftSamples) = try await withAsyncCleanup {
            let client = try server.client()
            // KES 2023's JSON keys have no HMAC key.
            let swiftProduced = try await client.produce(create: "created", import: "imported", existing: ["declared-a"], hmac: false)
            var legacySamples: [InteropSample] = []
            for name in legacy { legacySamples += try await client.produceSamples(key: name) }
            return (legacySamples, swiftProduced.samples)
        } cleanup: {
            try? await server.stopAndWait()
        }
        #expect((legacySamples + swiftSamples).allSatisfy { InteropBytes.isMessagePack($0.ciphertext) })
        for name in legacy { #expect(try Self.stored(directory, name).hasPrefix("{"), "'\(name)' stays JSON") }

        try await withReferenceKES(.v2023, directory: directory, admin: admin, keystore: keystore, label: "second") { kes in
            let client = try kes.client()
            try await client.expectDecrypts(legacySamples, on: "KES 2023")
            #expect(try await client.keyNames() == Set(legacy + swiftNames))
            for sample in swiftSamples {
                let reply = try await client.decrypt(sample)
                #expect(reply.status == 502, "\(sample): \(reply.status) \(reply.body)")
                #expect(reply.message == "bad gateway: failed to access key", "\(sample)")
            }
        }
    }

    /// The way back to KES 2023: swift-kes creates keys three ways (the config's `keys:`,
    /// create, import) and encrypts and generates under each; `kes migrate --kes-2023-format`
    /// copies them into a new directory in KES 2023's JSON format; KES 2023 then serves that
    /// directory: it lists every key and decrypts every ciphertext swift-kes made.
    @Test("kes migrate --kes-2023-format writes keys that KES 2023 serves", .requiresReferenceKES(.v2023), .timeLimit(.minutes(1)))
    func migratedBackToKES2023() async throws {
        let source = TestServer.makeDirectory(), destination = TestServer.makeDirectory()
        let admin = try TestIdentity.apiKey()
        let names = ["declared-a", "created", "imported"]
        let server = try await TestServer(admin: admin, directory: source) { $0.keys = ["declared-a"] }
        let produced = try await withAsyncCleanup {
            try await server.client().produce(create: "created", import: "imported", existing: ["declared-a"], hmac: false)
        } cleanup: {
            try? await server.stopAndWait()
        }

        func config(_ directory: String) throws -> String {
            let path = directory + "/migrate.yaml"
            try "keystore:\n\(Self.fsKeystore(directory))\n".write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let run = try await CLIRunner(environment: [:]).run(["migrate", "--kes-2023-format", "--from", config(source), "--to", config(destination)])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        for name in names {
            #expect(try Self.stored(destination, name).hasPrefix("{"), "'\(name)' is written as KES 2023's JSON")
        }

        try await withReferenceKES(.v2023, directory: destination, admin: admin, keystore: Self.fsKeystore(destination)) { kes in
            let client = try kes.client()
            try await client.expectDecrypts(produced.samples, on: "KES 2023")
            #expect(try await client.keyNames() == Set(names))
        }
    }
}

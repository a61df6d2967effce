import ArgumentParser
import Foundation
import KESClient
import KESCore

/// `kes key …`: manage and use master keys on a server.
struct KeyClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Create, inspect and use keys on a KES server.",
        subcommands: [Create.self, Import.self, Info.self, List.self, Remove.self, Encrypt.self, Decrypt.self, DEK.self, HMAC.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create new random keys.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key names.") var names: [String]

        func validate() throws {
            if names.isEmpty { throw ValidationError("name at least one key") }
        }

        func run() async throws {
            try await KeyClientCommand.eachName(names, options, verb: "create", done: "Created", field: "created") { client, name in
                try await client.createKey(name)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import 32 key bytes (base64) under a name.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key name.") var name: String
        @Argument(help: "The key: base64 of 32 bytes.") var key: String
        @Option(name: .long, help: "AES256 or ChaCha20.") var cipher = "AES256"

        func run() async throws {
            guard let bytes = Base64.decode(key), bytes.count == 32 else {
                throw ClientRun.fail(UsageFailure("the key must be base64 of 32 bytes"))
            }
            try await ClientRun.run(options) { client in
                try await ClientRun.doing("failed to import key '\(name)'") {
                    try await client.importKey(name, key: bytes, algorithm: cipher)
                }
                if options.json {
                    try Output.json(["imported": name])
                } else if Style.stdoutIsTerminal {
                    // KES prints nothing on success; the confirmation is for people only.
                    print("Imported key \(options.style.bold(name))")
                }
            }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a key.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key name.") var name: String

        func run() async throws {
            try await ClientRun.run(options) { client in
                let info = try await ClientRun.doing("failed to describe key '\(name)'") { try await client.describeKey(name) }
                if options.json { return try Output.json(info) }
                let style = options.style
                var table = Table()
                table.add(style.dim("Name"), style.bold(info.name))
                table.add(style.dim("ID"), info.id)
                table.add(style.dim("Algorithm"), info.algorithm)
                table.add(style.dim("Created At"), Output.time(info.createdAt))
                table.add(style.dim("Created By"), info.createdBy.isEmpty ? "-" : info.createdBy)
                print(table.render(style: style))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List keys (a prefix, optionally ending in *).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Prefix pattern; all keys by default.") var pattern = "*"

        func run() async throws {
            try await Self.list(pattern, options: options)
        }

        static func list(_ pattern: String, options: ClientOptions) async throws {
            try await ClientRun.run(options) { client in
                let names = try await ClientRun.doing("failed to list keys '\(pattern)'") {
                    try await client.listKeys(prefix: pattern == "*" ? "" : pattern)
                }
                try show(names, header: "Key", options: options)
            }
        }

        /// A bare JSON array with `--json`, as KES prints it; otherwise one name per line, so
        /// `kes key ls | xargs …` works, under a header only on a terminal.
        static func show(_ names: [String], header: String, options: ClientOptions) throws {
            if options.json { return try Output.json(names) }
            if names.isEmpty { return }
            var table = Table(header: Style.stdoutIsTerminal ? [header] : nil)
            for name in names { table.add(name) }
            print(table.render(style: options.style))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete keys. Their ciphertexts become undecryptable.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key names.") var names: [String]

        func validate() throws {
            if names.isEmpty { throw ValidationError("name at least one key") }
        }

        func run() async throws {
            try await KeyClientCommand.eachName(names, options, verb: "delete", done: "Deleted", field: "deleted") { client, name in
                try await client.deleteKey(name)
            }
        }
    }

    struct Encrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Encrypt a text with a key; prints the base64 ciphertext.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key name.") var name: String
        @Argument(help: "The plaintext (taken as UTF-8 text).") var text: String

        func run() async throws {
            try await ClientRun.run(options) { client in
                let ciphertext = try await ClientRun.doing("failed to encrypt with key '\(name)'") {
                    try await client.encrypt(name, plaintext: Array(text.utf8))
                }
                // On a pipe, KES's JSON: `kes key encrypt k msg | jq -r .ciphertext`.
                if options.jsonOrPiped {
                    try Output.json(["ciphertext": Base64.encode(ciphertext)])
                } else {
                    print(Base64.encode(ciphertext))
                }
            }
        }
    }

    struct Decrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt a base64 ciphertext with a key.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key name.") var name: String
        @Argument(help: "The base64 ciphertext.") var ciphertext: String
        @Argument(help: "The base64 context it was sealed with.") var context: String?

        func run() async throws {
            guard let sealed = Base64.decode(ciphertext) else {
                throw ClientRun.fail(UsageFailure("the ciphertext is not base64"))
            }
            guard let associated = context.map({ Base64.decode($0) }) ?? [] else {
                throw ClientRun.fail(UsageFailure("the context is not base64"))
            }
            try await ClientRun.run(options) { client in
                let plaintext = try await ClientRun.doing("failed to decrypt with key '\(name)'") {
                    try await client.decrypt(name, ciphertext: sealed, context: associated)
                }
                // On a pipe, KES's JSON with the plaintext in base64, so binary plaintexts survive.
                if options.jsonOrPiped { return try Output.json(["plaintext": Base64.encode(plaintext)]) }
                // Text stays text; binary plaintexts (such as data keys) are shown as base64.
                if let text = String(validating: plaintext, as: UTF8.self),
                   !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) {
                    print(text)
                } else {
                    print(Base64.encode(plaintext))
                }
            }
        }
    }

    struct DEK: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dek", abstract: "Generate a data-encryption key: its plaintext and its ciphertext.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key name.") var name: String
        @Argument(help: "A base64 context to bind the ciphertext to.") var context: String?

        func run() async throws {
            guard let associated = context.map({ Base64.decode($0) }) ?? [] else {
                throw ClientRun.fail(UsageFailure("the context is not base64"))
            }
            try await ClientRun.run(options) { client in
                let dek = try await ClientRun.doing("failed to generate a key with '\(name)'") {
                    try await client.generateKey(name, context: associated)
                }
                // On a pipe, KES's JSON: `kes key dek k | jq -r .ciphertext`.
                if options.jsonOrPiped { return try Output.json(dek) }
                var table = Table()
                table.add(options.style.dim("Plaintext"), Base64.encode(dek.plaintext))
                table.add(options.style.dim("Ciphertext"), Base64.encode(dek.ciphertext))
                print(table.render(style: options.style))
            }
        }
    }

    struct HMAC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hmac", abstract: "Compute the HMAC-SHA256 of a text with a key's HMAC key (base64).")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Key name.") var name: String
        @Argument(help: "The message (taken as UTF-8 text).") var message: String

        func run() async throws {
            try await ClientRun.run(options) { client in
                let mac = try await ClientRun.doing("failed to compute HMAC with key '\(name)'") {
                    try await client.hmac(name, message: Array(message.utf8))
                }
                if options.json { try Output.json(["hmac": Base64.encode(mac)]) } else { print(Base64.encode(mac)) }
            }
        }
    }
}

/// `kes ls`: keys, or with `-p`/`-i` policies or identities, with the flags of KES's `kes ls`.
struct ListKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List keys (same as kes key ls), policies (-p) or identities (-i).")
    @OptionGroup var options: ClientOptions
    @Option(name: [.customShort("a"), .customLong("api-key")], help: "API key to use instead of the environment's.")
    var apiKey: String?
    @Option(name: [.customShort("s"), .long], help: "The server HOST[:PORT] to use instead of the environment's.")
    var server: String?
    @Flag(name: [.customShort("p"), .customLong("policy")], help: "List policy names.") var policies = false
    @Flag(name: [.customShort("i"), .customLong("identity")], help: "List identities.") var identities = false
    @Argument(help: "Prefix pattern; everything by default.") var pattern = "*"

    func validate() throws {
        if policies && identities { throw ValidationError("'-p / --policy' and '-i / --identity' must not be used at the same time") }
    }

    func run() async throws {
        if !policies && !identities && apiKey == nil && server == nil {
            return try await KeyClientCommand.List.list(pattern, options: options)
        }
        let environment = ProcessInfo.processInfo.environment
        let client: KESClient
        do {
            client = try options.makeClient(
                endpoints: server.map { ClientOptions.endpoints(environment, override: $0) }, apiKey: apiKey)
        } catch {
            throw ClientRun.fail(error, options: options)
        }
        let prefix = pattern == "*" ? "" : pattern
        let (what, header) = policies ? ("policies", "Policy") : identities ? ("identities", "Identity") : ("keys", "Key")
        let names: [String]
        do {
            names = try await ClientRun.doing("failed to list \(what) '\(pattern)'") {
                if policies { return try await client.listPolicies(prefix: prefix) }
                if identities { return try await client.listIdentities(prefix: prefix) }
                return try await client.listKeys(prefix: prefix)
            }
        } catch {
            try? await client.shutdown()
            throw ClientRun.fail(error, options: options)
        }
        try? await client.shutdown()
        try KeyClientCommand.List.show(names.sorted(), header: header, options: options)
    }
}

extension KeyClientCommand {
    /// Runs `action` for each named key in turn, naming the key that failed, and reports the
    /// names done (`create` and `rm` take several names).
    static func eachName(
        _ names: [String], _ options: ClientOptions, verb: String, done: String, field: String,
        _ action: @escaping (KESClient, String) async throws -> Void
    ) async throws {
        try await ClientRun.run(options) { client in
            for name in names {
                try await ClientRun.doing("failed to \(verb) key '\(name)'") { try await action(client, name) }
                // KES prints nothing on success; the confirmation is for people only.
                if !options.json && Style.stdoutIsTerminal { print("\(done) key \(options.style.bold(name))") }
            }
            if options.json { try Output.json([field: names]) }
        }
    }
}

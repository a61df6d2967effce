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
                if options.json { try Output.json(["imported": name]) } else { print("Imported key \(options.style.bold(name))") }
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
                if options.json { return try Output.json(["names": names]) }
                // One name per line, so `kes key ls | xargs …` works; a header only on a terminal.
                if names.isEmpty { return }
                var table = Table(header: Style.stdoutIsTerminal ? ["Key"] : nil)
                for name in names { table.add(name) }
                print(table.render(style: options.style))
            }
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
                if options.json { try Output.json(["ciphertext": Base64.encode(ciphertext)]) } else { print(Base64.encode(ciphertext)) }
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
                if options.json { return try Output.json(["plaintext": Base64.encode(plaintext)]) }
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
                if options.json { return try Output.json(dek) }
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

/// `kes ls`: the keys, as later KES CLIs list them.
struct ListKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List keys (same as kes key ls).")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Prefix pattern; all keys by default.") var pattern = "*"

    func run() async throws {
        try await KeyClientCommand.List.list(pattern, options: options)
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
                if !options.json { print("\(done) key \(options.style.bold(name))") }
            }
            if options.json { try Output.json([field: names]) }
        }
    }
}

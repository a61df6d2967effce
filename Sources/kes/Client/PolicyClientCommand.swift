import ArgumentParser
import Foundation
import KESClient

/// `kes policy info|show|ls`: the server's policies (read-only; they live in the config file).
struct PolicyClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Inspect the server's policies.",
        subcommands: [Info.self, Show.self, List.self]
    )

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a policy.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Policy name.") var name: String

        func run() async throws {
            try await ClientRun.run(options) { client in
                let info = try await ClientRun.doing("failed to describe policy '\(name)'") { try await client.describePolicy(name) }
                if options.json { return try Output.json(info) }
                let style = options.style
                var table = Table()
                table.add(style.dim("Name"), style.bold(info.name))
                table.add(style.dim("Created At"), Output.time(info.createdAt))
                table.add(style.dim("Created By"), info.createdBy.isEmpty ? "-" : info.createdBy)
                print(table.render(style: style))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a policy's allow and deny rules.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Policy name.") var name: String

        func run() async throws {
            try await ClientRun.run(options) { client in
                let policy = try await ClientRun.doing("failed to read policy '\(name)'") { try await client.readPolicy(name) }
                // On a pipe, JSON, as KES prints a policy there.
                if options.jsonOrPiped { return try Output.json(policy) }
                let style = options.style
                var table = Table()
                for pattern in policy.allow { table.add(style.green("allow"), pattern) }
                for pattern in policy.deny { table.add(style.red("deny"), pattern) }
                print(style.bold("Policy \(policy.name)"))
                if !table.rows.isEmpty { print(table.render(style: style, indent: "  ")) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List policies.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Prefix pattern; all policies by default.") var pattern = "*"

        func run() async throws {
            try await ClientRun.run(options) { client in
                let names = try await ClientRun.doing("failed to list policies '\(pattern)'") {
                    try await client.listPolicies(prefix: pattern == "*" ? "" : pattern)
                }
                // A bare array, as KES's `kes ls -p --json` prints it.
                if options.json { return try Output.json(names) }
                var table = Table(header: Style.stdoutIsTerminal && !names.isEmpty ? ["Policy"] : nil)
                for name in names { table.add(name) }
                if !names.isEmpty { print(table.render(style: options.style)) }
            }
        }
    }
}

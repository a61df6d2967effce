import ArgumentParser
import Foundation
import KESClient

extension IdentityCommand {
    /// `kes identity info [id]`: the caller, or another identity.
    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe your identity, or another one.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "An identity; yours by default.") var identity: String?

        func run() async throws {
            try await ClientRun.run(options) { client in
                let info: IdentityInfo
                if let identity {
                    info = try await ClientRun.doing("failed to describe identity '\(identity)'") {
                        try await client.describeIdentity(identity)
                    }
                } else {
                    info = try await ClientRun.doing("failed to describe your identity") { try await client.describeSelf() }
                }
                if options.json { return try Output.json(info) }
                let style = options.style
                var table = Table()
                table.add(style.dim("Identity"), style.bold(info.identity))
                if info.isAdmin {
                    table.add(style.dim("Role"), style.yellow("admin"))
                } else {
                    table.add(style.dim("Policy"), info.policy.isEmpty ? "-" : info.policy)
                }
                table.add(style.dim("Created At"), Output.time(info.createdAt))
                if !info.createdBy.isEmpty { table.add(style.dim("Created By"), info.createdBy) }
                for pattern in info.allow { table.add(style.dim("Allow"), pattern) }
                for pattern in info.deny { table.add(style.dim("Deny"), pattern) }
                print(table.render(style: style))
            }
        }
    }

    /// `kes identity ls [pattern]`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the identities the server knows.")
        @OptionGroup var options: ClientOptions
        @Argument(help: "Prefix pattern; all identities by default.") var pattern = "*"

        func run() async throws {
            try await ClientRun.run(options) { client in
                let identities = try await ClientRun.doing("failed to list identities '\(pattern)'") {
                    try await client.listIdentities(prefix: pattern == "*" ? "" : pattern)
                }
                // A bare array, as KES's `kes ls -i --json` prints it.
                if options.json { return try Output.json(identities) }
                var table = Table(header: Style.stdoutIsTerminal && !identities.isEmpty ? ["Identity"] : nil)
                for identity in identities { table.add(identity) }
                if !identities.isEmpty { print(table.render(style: options.style)) }
            }
        }
    }
}

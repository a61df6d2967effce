import ArgumentParser
import KESServer

struct KESCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kes",
        abstract: "swift-kes: a KES-compatible key management server.",
        version: KESVersion.version,
        subcommands: [
            ServerCommand.self, IdentityCommand.self,
            KeyClientCommand.self, PolicyClientCommand.self, LogCommand.self, StatusCommand.self, MetricCommand.self,
            ListKeysCommand.self, MigrateCommand.self,
        ]
    )
}

import ArgumentParser
import Foundation
import KESKeyStore
import Logging

/// `kes migrate`: copies stored keys from one key store to another, verifying each copy.
///
/// It never deletes from the source. An interrupted run is resumed by running the same
/// command again with `--merge`: keys already copied are identical and are skipped.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy keys from one key store to another.",
        discussion: """
            SRC and DST are KES server config files; only their keystore: section is used. Keys keep \
            their bytes, algorithm and HMAC key, so existing ciphertexts still decrypt. The source is \
            never changed. Without --merge, nothing is copied if DST already holds any of the names. \
            With --merge, identical keys are skipped and different ones are reported as conflicts; \
            --force replaces conflicting keys in DST. To resume an interrupted migration, run the same \
            command again with --merge. With --kes-2023-format every key is written in the JSON format \
            of KES 2023, the only one that release reads, so that KES 2023 can serve DST; that format \
            has no HMAC key, so the copies lose theirs (KES 2023 has no HMAC route).
            """
    )

    @Option(name: .long, help: "Config file of the source key store.") var from: String
    @Option(name: .long, help: "Config file of the destination key store.") var to: String
    @Flag(name: .long, help: "Skip keys the destination already holds identically; report different ones.") var merge = false
    @Flag(name: .shortAndLong, help: "Replace keys that differ in the destination (delete, then create).") var force = false
    @Flag(name: .shortAndLong, help: "Print only the summary.") var quiet = false
    @Flag(name: .long, help: "Print the summary as JSON.") var json = false
    @Option(name: .long, help: "Keys copied at the same time.") var concurrency = 8
    @Flag(name: .customLong("kes-2023-format"), help: "Write the keys in KES 2023's JSON format (without HMAC keys), for KES 2023 to serve.")
    var kes2023Format = false
    @Argument(help: "Migrate the keys starting with this prefix (a trailing * is allowed); all by default.") var pattern = "*"

    func validate() throws {
        if concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        var logger = Logger(label: "kes.migrate")
        logger.logLevel = .warning
        let source: any KeyStore
        let destination: any KeyStore
        do {
            source = try await MigrationConfig.openStore(path: from, role: "source", logger: logger)
            destination = try await MigrationConfig.openStore(path: to, role: "destination", logger: logger)
        } catch let error as UsageFailure {
            throw ClientRun.fail(error)
        } catch {
            throw ClientRun.fail(error, context: "failed to open the key stores")
        }
        let prefix = pattern == "*" ? "" : (pattern.hasSuffix("*") ? String(pattern.dropLast()) : pattern)
        let migration = Migration(
            source: source, destination: destination, prefix: prefix,
            mode: merge ? .merge : .refuseExisting, force: force, concurrency: concurrency,
            format: kes2023Format ? .kes2023 : .unchanged)
        let progress = MigrationProgress(quiet: quiet || json)
        let summary: MigrationSummary
        do {
            summary = try await migration.run(progress: progress)
        } catch {
            await source.close()
            await destination.close()
            throw ClientRun.fail(error)
        }
        await source.close()
        await destination.close()
        if json {
            try Output.json(summary)
        } else {
            print(summary.render(style: Style(mode: .auto)))
        }
        if !summary.failed.isEmpty { throw ExitCode(1) }
    }
}

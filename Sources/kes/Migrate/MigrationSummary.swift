import Foundation

/// What a migration did, key by key.
struct MigrationSummary: Encodable, Sendable {
    struct Entry: Encodable, Sendable {
        var name: String
        var reason: String
    }

    var total: Int
    var copied: [String] = []
    /// Copied over a different destination key (`--force`).
    var replaced: [String] = []
    var skipped: [Entry] = []
    var failed: [Entry] = []

    init(total: Int) { self.total = total }

    var done: Int { copied.count + skipped.count + failed.count }

    mutating func record(_ name: String, _ outcome: Migration.Outcome) {
        switch outcome {
        case .copied(let replaced):
            copied.append(name)
            if replaced { self.replaced.append(name) }
        case .skipped(let reason): skipped.append(Entry(name: name, reason: reason))
        case .failed(let reason): failed.append(Entry(name: name, reason: reason))
        }
    }

    func render(style: Style) -> String {
        var lines = [
            "\(style.bold("Migrated")) \(total) key\(total == 1 ? "" : "s"): "
                + "\(style.green("\(copied.count) copied"))"
                + (replaced.isEmpty ? "" : " (\(replaced.count) replaced)")
                + ", \(skipped.count) skipped, "
                + (failed.isEmpty ? "0 failed" : style.red("\(failed.count) failed")),
        ]
        // Skips are normal on a resumed run; group them by reason rather than listing thousands.
        let skipReasons = Dictionary(grouping: skipped, by: \.reason)
        for (reason, entries) in skipReasons.sorted(by: { $0.key < $1.key }) {
            lines.append("  skipped \(entries.count): \(reason)")
        }
        for entry in failed.sorted(by: { $0.name < $1.name }) {
            lines.append("  \(style.red("failed")) \(entry.name): \(entry.reason)")
        }
        return lines.joined(separator: "\n")
    }
}

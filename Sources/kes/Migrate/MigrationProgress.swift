import Foundation
import Synchronization

/// Progress on stderr: a redrawn bar with counts, rate and ETA on a terminal, plain lines
/// (about every 10 %) otherwise, nothing when quiet.
final class MigrationProgress: Sendable {
    private struct State {
        var total = 0
        var started = ContinuousClock.now
        var lastDraw = ContinuousClock.now
        var lastLinePercent = -1
    }

    private let quiet: Bool
    private let terminal: Bool
    private let state = Mutex(State())

    init(quiet: Bool) {
        self.quiet = quiet
        terminal = isatty(STDERR_FILENO) != 0
    }

    func start(total: Int) {
        state.withLock {
            $0.total = total
            $0.started = .now
        }
        if !quiet && !terminal { write("migrating \(total) key\(total == 1 ? "" : "s")\n") }
    }

    func update(_ summary: MigrationSummary) {
        guard !quiet else { return }
        let line: String? = state.withLock { state in
            let now = ContinuousClock.now
            if terminal {
                guard now - state.lastDraw >= .milliseconds(100) || summary.done == state.total else { return nil }
                state.lastDraw = now
                return "\r" + Self.bar(summary, total: state.total, elapsed: now - state.started) + "\u{1B}[K"
            }
            let percent = state.total == 0 ? 100 : summary.done * 100 / state.total
            guard percent / 10 > state.lastLinePercent / 10 || summary.done == state.total else { return nil }
            state.lastLinePercent = percent
            return "\(summary.done)/\(state.total) keys (\(percent)%): \(summary.copied.count) copied, "
                + "\(summary.skipped.count) skipped, \(summary.failed.count) failed\n"
        }
        if let line { write(line) }
    }

    func finish(_ summary: MigrationSummary) {
        if !quiet && terminal { write("\n") }
    }

    static func bar(_ summary: MigrationSummary, total: Int, elapsed: Duration) -> String {
        let width = 30
        let fraction = total == 0 ? 1 : Double(summary.done) / Double(total)
        let filled = Int(fraction * Double(width))
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Double(summary.done) / seconds : 0
        let remaining = rate > 0 ? Double(total - summary.done) / rate : 0
        return "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "] "
            + "\(summary.done)/\(total)  \(String(format: "%.0f", rate)) keys/s  ETA \(Output.duration(seconds: remaining.rounded(.up)))"
            + "  (\(summary.copied.count) copied, \(summary.skipped.count) skipped, \(summary.failed.count) failed)"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

import Synchronization

/// A histogram written as Go's Prometheus client writes one: bounds, counts and the sum through
/// `strconv.FormatFloat(v, 'g', -1, 64)` (`le="1"`, not swift-prometheus's `le="1.0"`), so that
/// recording rules and dashboards written for KES match its series by label text.
final class GoHistogram: Sendable {
    private struct State {
        /// Observations per bucket, not cumulative; the last entry is `+Inf`.
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    let name: String
    let help: String
    /// Upper bounds in seconds, ascending.
    let bounds: [Double]
    private let state: Mutex<State>

    init(name: String, help: String, bounds: [Double]) {
        self.name = name
        self.help = help
        self.bounds = bounds
        state = Mutex(State(counts: Array(repeating: 0, count: bounds.count + 1)))
    }

    func record(_ duration: Duration) {
        let components = duration.components
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        // Go counts an observation in the first bucket whose bound is >= it.
        let index = bounds.firstIndex { seconds <= $0 } ?? bounds.count
        state.withLock { state in
            state.counts[index] += 1
            state.sum += seconds
            state.count += 1
        }
    }

    /// The family in text exposition format, `# HELP` and `# TYPE` lines included.
    func emit(into buffer: inout [UInt8]) {
        let snapshot = state.withLock { $0 }
        var text = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        var cumulative: UInt64 = 0
        for (index, bound) in (bounds + [.infinity]).enumerated() {
            cumulative += snapshot.counts[index]
            text += "\(name)_bucket{le=\"\(GoFloat.format(bound))\"} \(GoFloat.format(Double(cumulative)))\n"
        }
        text += "\(name)_sum \(GoFloat.format(snapshot.sum))\n"
        text += "\(name)_count \(GoFloat.format(Double(snapshot.count)))\n"
        buffer.append(contentsOf: text.utf8)
    }
}

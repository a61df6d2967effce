/// Parses the durations the command line accepts: `10`, `10s`, `500ms`, `2m`, `1.5s`.
enum DurationText {
    static func nanoseconds(_ text: String) -> UInt64? {
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("ms", 1e6), ("us", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            guard let number = Double(text.dropLast(unit.suffix.count)), number >= 0, number.isFinite else { return nil }
            return UInt64(number * unit.nanoseconds)
        }
        guard let seconds = Double(text), seconds >= 0, seconds.isFinite else { return nil }
        return UInt64(seconds * 1e9)
    }
}

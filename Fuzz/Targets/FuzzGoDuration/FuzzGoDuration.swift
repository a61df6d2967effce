import FuzzSupport
import KESCore

// Untrusted duration text (config file, CLI flags) through Go's time.ParseDuration rules. A
// value that parses must parse again, to the same nanoseconds, from its plain `<n>ns` form and
// from the `1h2m3.5s` form Go's Duration.String prints; a sign must negate it.

private func nanoseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    require(!overflow, "a parsed duration exceeds Int64 nanoseconds")
    let (sum, overflowed) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
    require(!overflowed, "a parsed duration exceeds Int64 nanoseconds")
    return sum
}

/// Go's `time.Duration.String` for durations of at least a second, and `<n>ns` below.
private func goString(_ value: Int64) -> String {
    let sign = value < 0 ? "-" : ""
    let magnitude = value.magnitude
    if magnitude < 1_000_000_000 { return "\(sign)\(magnitude)ns" }
    let hours = magnitude / 3_600_000_000_000
    let minutes = magnitude / 60_000_000_000 % 60
    let seconds = magnitude / 1_000_000_000 % 60
    var fraction = String(magnitude % 1_000_000_000)
    fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
    while fraction.last == "0" { fraction.removeLast() }
    var text = sign
    if hours > 0 { text += "\(hours)h" }
    if hours > 0 || minutes > 0 { text += "\(minutes)m" }
    text += "\(seconds)" + (fraction.isEmpty ? "" : ".\(fraction)") + "s"
    return text
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGoDuration(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let duration = try? parseGoDuration(text) else { return 0 }
    let value = nanoseconds(duration)

    let plain = "\(value)ns"
    require((try? parseGoDuration(plain)).map(nanoseconds) == value, "\(text) != \(plain)")
    let printed = goString(value)
    require((try? parseGoDuration(printed)).map(nanoseconds) == value, "\(text) != \(printed)")

    if let first = text.utf8.first, first != UInt8(ascii: "-"), first != UInt8(ascii: "+") {
        require((try? parseGoDuration("+" + text)).map(nanoseconds) == value, "a plus sign changed \(text)")
        require((try? parseGoDuration("-" + text)).map(nanoseconds) == -value, "a minus sign does not negate \(text)")
    }
    return 0
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzzGoDuration)
    }
}

/// Parses Go's `time.ParseDuration` syntax, which KES config files use for every duration:
/// `"5m"`, `"30s"`, `"1h30m"`, `"1.5h"`, `"500ms"`, `"2us"`, `"0"`.
///
/// Units are `ns`, `us` (also `µs`, `μs`), `ms`, `s`, `m`, `h`. A bare number other than `0`
/// is rejected, as in Go. Negative values parse; callers decide whether they are allowed.
///
/// The config file and every command-line flag that takes a duration use this one parser, so
/// `--expiry 1h30m` and `--rate 500ms` mean what they mean to KES.
public func parseGoDuration(_ text: String) throws(GoDurationError) -> Duration {
    guard let nanoseconds = goDurationNanoseconds(Array(text.utf8)) else {
        throw GoDurationError(text: text)
    }
    return .nanoseconds(nanoseconds)
}

/// A text that is not a Go duration.
public struct GoDurationError: Error, Sendable, CustomStringConvertible {
    public let text: String
    public var description: String { "invalid duration \"\(text)\"" }
}

/// Nanoseconds per unit, keyed by the unit's UTF-8 spelling.
private let goDurationUnits: [[UInt8]: UInt64] = [
    Array("ns".utf8): 1,
    Array("us".utf8): 1_000,
    Array("µs".utf8): 1_000,  // U+00B5 micro sign
    Array("μs".utf8): 1_000,  // U+03BC Greek small letter mu
    Array("ms".utf8): 1_000_000,
    Array("s".utf8): 1_000_000_000,
    Array("m".utf8): 60 * 1_000_000_000,
    Array("h".utf8): 3_600 * 1_000_000_000,
]

private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

private let dot = UInt8(ascii: ".")

/// Mirrors Go's algorithm, including its overflow limits, so that values valid for KES are
/// valid here and vice versa.
private func goDurationNanoseconds(_ bytes: [UInt8]) -> Int64? {
    var index = 0
    var negative = false
    if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
        negative = first == UInt8(ascii: "-")
        index = 1
    }
    let rest = bytes[index...]
    if rest.elementsEqual([UInt8(ascii: "0")]) { return 0 }
    if rest.isEmpty { return nil }

    let limit: UInt64 = 1 << 63
    var total: UInt64 = 0
    while index < bytes.count {
        guard bytes[index] == dot || isDigit(bytes[index]) else { return nil }

        // Integer part.
        var value: UInt64 = 0
        let integerStart = index
        while index < bytes.count, isDigit(bytes[index]) {
            if value > (limit - 1) / 10 { return nil }
            value = value * 10 + UInt64(bytes[index] - 0x30)
            if value > limit { return nil }
            index += 1
        }
        let hasInteger = index != integerStart

        // Fraction part: digits past what fits are dropped, as Go does.
        var fraction: UInt64 = 0
        var scale: Double = 1
        var hasFraction = false
        if index < bytes.count, bytes[index] == dot {
            index += 1
            let fractionStart = index
            var overflowed = false
            while index < bytes.count, isDigit(bytes[index]) {
                if !overflowed {
                    if fraction > (limit - 1) / 10 {
                        overflowed = true
                    } else {
                        let next = fraction * 10 + UInt64(bytes[index] - 0x30)
                        if next > limit {
                            overflowed = true
                        } else {
                            fraction = next
                            scale *= 10
                        }
                    }
                }
                index += 1
            }
            hasFraction = index != fractionStart
        }
        guard hasInteger || hasFraction else { return nil }

        // Unit.
        let unitStart = index
        while index < bytes.count, bytes[index] != dot, !isDigit(bytes[index]) {
            index += 1
        }
        guard index > unitStart, let unit = goDurationUnits[Array(bytes[unitStart..<index])] else {
            return nil
        }

        if value > limit / unit { return nil }
        value *= unit
        if fraction > 0 {
            value += UInt64(Double(fraction) * (Double(unit) / scale))
            if value > limit { return nil }
        }
        let (sum, overflow) = total.addingReportingOverflow(value)
        if overflow || sum > limit { return nil }
        total = sum
    }
    if negative {
        return total == limit ? Int64.min : -Int64(total)
    }
    if total > limit - 1 { return nil }
    return Int64(total)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time with nanosecond precision, always in UTC.
///
/// Kept independent of Foundation's `Date` so that formatting and parsing stay exact to the
/// nanosecond (Go's `time.Time` precision) and cheap on hot paths.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Seconds since the Unix epoch, UTC.
    public var seconds: Int64
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    public var nanoseconds: Int32

    /// Creates a timestamp; out-of-range nanoseconds are carried into `seconds`.
    public init(seconds: Int64, nanoseconds: Int32) {
        var seconds = seconds
        var nanos = Int64(nanoseconds)
        if nanos < 0 || nanos >= 1_000_000_000 {
            let (quotient, remainder) = nanos.floorDivided(by: 1_000_000_000)
            let (sum, overflow) = seconds.addingReportingOverflow(quotient)
            // A stored key can carry any 64-bit seconds; at the ends of the range the time
            // saturates instead of trapping, so a crafted key cannot crash the server.
            if overflow {
                seconds = quotient < 0 ? .min : .max
                nanos = quotient < 0 ? 0 : 999_999_999
            } else {
                seconds = sum
                nanos = remainder
            }
        }
        self.seconds = seconds
        self.nanoseconds = Int32(nanos)
    }

    /// The current wall-clock time.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: Int32(spec.tv_nsec))
    }

    /// Go's zero `time.Time`: 0001-01-01T00:00:00Z.
    public static let zero = Timestamp(seconds: -62_135_596_800, nanoseconds: 0)

    /// True for Go's zero time, which KES writes for keys without a creation date.
    public var isZero: Bool { self == .zero }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.seconds != rhs.seconds ? lhs.seconds < rhs.seconds : lhs.nanoseconds < rhs.nanoseconds
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, with a remainder in `0..<divisor`.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = self / divisor
        var remainder = self % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}

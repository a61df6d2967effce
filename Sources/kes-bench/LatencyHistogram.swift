/// An HDR-style log-linear histogram of latencies in nanoseconds.
///
/// Each power of two is split into 128 equal sub-buckets, so any recorded value is known to within
/// 1/128 (0.8%) of itself. The counts live in one array allocated up front: recording is two shifts
/// and an increment, with no allocation, which keeps the load generator's own cost off the results.
struct LatencyHistogram: Sendable {
    /// log2 of the sub-buckets per power of two (256 for the first range, 128 after that).
    static let subBucketBits = 8
    static let halfSubBuckets = 1 << (subBucketBits - 1)
    /// Values at or above 2^40 ns (about 18 minutes) are clamped; no benchmark request lasts that long.
    static let maxTrackedBits = 40
    static let bucketCount = (maxTrackedBits - subBucketBits + 1) * halfSubBuckets + (1 << subBucketBits)

    private(set) var counts: [UInt64]
    private(set) var totalCount: UInt64 = 0
    private(set) var sum: UInt64 = 0
    private(set) var minimum: UInt64 = .max
    private(set) var maximum: UInt64 = 0

    init() {
        counts = [UInt64](repeating: 0, count: Self.bucketCount)
    }

    mutating func record(_ nanoseconds: UInt64) {
        let value = min(nanoseconds, (1 << Self.maxTrackedBits) - 1)
        counts[Self.bucketIndex(value)] &+= 1
        totalCount &+= 1
        sum &+= nanoseconds
        minimum = Swift.min(minimum, nanoseconds)
        maximum = Swift.max(maximum, nanoseconds)
    }

    mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices {
            counts[index] &+= other.counts[index]
        }
        totalCount &+= other.totalCount
        sum &+= other.sum
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }

    /// The smallest recorded value `v` such that at least `percentile`% of the values are ≤ `v`,
    /// reported as the top of its bucket (as HdrHistogram does) but never above the true maximum.
    func value(atPercentile percentile: Double) -> UInt64 {
        guard totalCount > 0 else { return 0 }
        let rank = max(1, UInt64((percentile / 100 * Double(totalCount)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank {
                return Swift.min(Self.highestValue(inBucket: index), maximum)
            }
        }
        return maximum
    }

    var mean: Double {
        totalCount == 0 ? 0 : Double(sum) / Double(totalCount)
    }

    /// Values below 2^subBucketBits get a bucket each; above, the bucket is the power of two (the
    /// shift) and the top `subBucketBits` bits of the value.
    static func bucketIndex(_ value: UInt64) -> Int {
        let highestBit = 63 - value.leadingZeroBitCount
        guard highestBit >= subBucketBits else { return Int(value) }
        let shift = highestBit - subBucketBits + 1
        return shift * halfSubBuckets + Int(value >> UInt64(shift))
    }

    static func highestValue(inBucket index: Int) -> UInt64 {
        let firstRange = 1 << subBucketBits
        guard index >= firstRange else { return UInt64(index) }
        let shift = (index - firstRange) / halfSubBuckets + 1
        let subBucket = UInt64(index - shift * halfSubBuckets)
        return ((subBucket + 1) << UInt64(shift)) - 1
    }
}

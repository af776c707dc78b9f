/// A fixed-size log-linear histogram of latencies in nanoseconds (the HdrHistogram idea, simplified).
///
/// Values below 128 ns get a bucket each; above, every power of two is split into 64 linear buckets, so a
/// reported percentile is within 1.6 % of the true value while the whole range of `UInt64` fits in
/// 3 776 counters (30 KB). Recording is a few instructions and never allocates, which is what a consumer
/// doing a million messages a second needs; one histogram per consumer thread, merged at the end.
struct LatencyHistogram {
    private static let subBucketBits = 6
    private static let subBuckets = 1 << subBucketBits
    private static let bucketCount = (64 - subBucketBits + 1) * subBuckets

    private var counts: [UInt64]
    /// Number of recorded values.
    private(set) var total: UInt64 = 0
    /// Largest recorded value, exact.
    private(set) var maximum: UInt64 = 0

    init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
    }

    /// Records one latency.
    @inline(__always)
    mutating func record(_ nanoseconds: UInt64) {
        counts[Self.index(of: nanoseconds)] &+= 1
        total &+= 1
        if nanoseconds > maximum { maximum = nanoseconds }
    }

    /// Adds every value recorded in `other`.
    /// One histogram holding the samples of all of `histograms`.
    static func merged(_ histograms: [LatencyHistogram]) -> LatencyHistogram {
        var result = LatencyHistogram()
        for h in histograms { result.merge(h) }
        return result
    }

    mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        total += other.total
        maximum = max(maximum, other.maximum)
    }

    /// The value at or below which `fraction` (0...1) of the recorded values lie: the upper bound of the bucket
    /// holding that rank, capped at the exact maximum. Nil when nothing was recorded.
    func percentile(_ fraction: Double) -> UInt64? {
        guard total > 0 else { return nil }
        let rank = max(1, UInt64((fraction * Double(total)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= rank { return min(Self.upperBound(of: i), maximum) }
        }
        return maximum
    }

    @inline(__always)
    private static func index(of value: UInt64) -> Int {
        if value < UInt64(2 * subBuckets) { return Int(value) }
        let msb = 63 - value.leadingZeroBitCount
        let shift = msb - subBucketBits
        return shift * subBuckets + Int(value >> UInt64(shift))
    }

    private static func upperBound(of index: Int) -> UInt64 {
        if index < 2 * subBuckets { return UInt64(index) }
        let shift = index / subBuckets - 1
        let mantissa = UInt64(index - shift * subBuckets)
        return ((mantissa + 1) << UInt64(shift)) &- 1
    }
}

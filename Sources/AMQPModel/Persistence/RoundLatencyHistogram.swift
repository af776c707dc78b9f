/// How long the sync thread's rounds take (write buffered records and the definitions, then fsync), as a
/// Prometheus histogram: cumulative counts per upper bound in seconds, their sum and count.
public struct RoundLatencyHistogram: Sendable, Equatable {
    /// Upper bounds in seconds (`+Inf` is the count).
    public static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    /// Rounds that took at most `bounds[i]` seconds.
    public private(set) var cumulative = [Int](repeating: 0, count: bounds.count)
    /// Seconds of every round together.
    public private(set) var sum = 0.0
    /// Rounds.
    public private(set) var count = 0

    public init() {}

    mutating func record(seconds: Double) {
        for (i, bound) in Self.bounds.enumerated() where seconds <= bound { cumulative[i] += 1 }
        sum += seconds
        count += 1
    }
}

/// Raw sums gathered in one pass over a reference buffer `a` and a candidate buffer `b`.
///
/// Only *finite pairs* contribute to the sums: index `i` counts when both `a[i]` and `b[i]` are finite.
/// Everything is accumulated in `Double` so that sums over millions of `Float` values neither overflow nor
/// lose the small differences a quantized model introduces. Every metric in ``TensorMetrics`` is derived from
/// these sums (see ``MetricFormulas``), which is also what lets ``MetricsAccumulator`` combine samples.
public struct PairSums: Equatable, Sendable {
    /// Number of finite pairs that contributed to the sums.
    public var comparedCount: Int = 0
    /// Σ a² over finite pairs (reference energy, the "signal").
    public var referenceEnergy: Double = 0
    /// Σ b² over finite pairs (candidate energy).
    public var candidateEnergy: Double = 0
    /// Σ a·b over finite pairs.
    public var dotProduct: Double = 0
    /// Σ (b − a)² over finite pairs (error energy, the "noise").
    public var errorEnergy: Double = 0
    /// Σ (b − a) over finite pairs.
    public var errorSum: Double = 0
    /// max |b − a| over finite pairs; 0 when there are none.
    public var maxAbsError: Double = 0
    /// NaN and infinity counts in the reference buffer (all elements, not only finite pairs).
    public var reference = NonFiniteCounts()
    /// NaN and infinity counts in the candidate buffer.
    public var candidate = NonFiniteCounts()

    /// Empty sums (no pairs seen).
    public init() {}

    /// Adds another set of sums, as if both buffers had been concatenated.
    public mutating func merge(_ other: PairSums) {
        comparedCount += other.comparedCount
        referenceEnergy += other.referenceEnergy
        candidateEnergy += other.candidateEnergy
        dotProduct += other.dotProduct
        errorEnergy += other.errorEnergy
        errorSum += other.errorSum
        maxAbsError = max(maxAbsError, other.maxAbsError)
        reference.merge(other.reference)
        candidate.merge(other.candidate)
    }
}

/// How many NaN and infinite (±∞) values one buffer held.
public struct NonFiniteCounts: Equatable, Sendable {
    /// Number of NaN elements.
    public var nan: Int = 0
    /// Number of +∞ or −∞ elements.
    public var infinity: Int = 0

    /// Counts to start from (zero unless given).
    public init(nan: Int = 0, infinity: Int = 0) {
        self.nan = nan
        self.infinity = infinity
    }

    /// NaN plus infinity count.
    public var total: Int { nan + infinity }

    /// Adds another buffer's counts.
    public mutating func merge(_ other: NonFiniteCounts) {
        nan += other.nan
        infinity += other.infinity
    }
}

/// How a candidate tensor (e.g. the int8 model's output) differs from a reference tensor (the float model's).
///
/// Values are computed over the *finite pairs* only — indices where both elements are finite; NaN and ±∞
/// elements are left out of every metric and reported in ``referenceNonFinite`` / ``candidateNonFinite``.
/// A tensor that is entirely NaN therefore compares like an empty one (cosine 1): check the counts, or use
/// ``SeverityThresholds/classify(_:)``, which fails such a result. See ``MetricDefinitions`` for every rule.
public struct TensorMetrics: Equatable, Sendable {
    /// Lengths of two buffers that could not be compared element by element.
    public struct LengthMismatch: Equatable, Sendable {
        /// Element count of the reference buffer.
        public let reference: Int
        /// Element count of the candidate buffer.
        public let candidate: Int

        /// Records the two lengths.
        public init(reference: Int, candidate: Int) {
            self.reference = reference
            self.candidate = candidate
        }
    }

    /// Number of elements in the reference (and, when the lengths match, the candidate).
    public let elementCount: Int
    /// Number of finite pairs the metrics were computed over.
    public let comparedCount: Int
    /// Cosine similarity in [−1, 1]; 1 when identical, both zero or empty; 0 when exactly one side is zero.
    public private(set) var cosineSimilarity: Double
    /// |a − b| / |a| (Euclidean norms); 0 when identical; +∞ when a = 0 but b ≠ 0.
    public let relativeDistance: Double
    /// max |b − a|; 0 when nothing was compared.
    public let maxAbsError: Double
    /// mean (b − a)²; 0 when nothing was compared.
    public let meanSquaredError: Double
    /// mean (b − a), the bias of the candidate; 0 when nothing was compared.
    public let meanError: Double
    /// 20·log10(|a| / |a − b|) in dB; `Double.infinity` when identical (including empty and both zero),
    /// `-Double.infinity` when a = 0 but b ≠ 0. Writers must render the infinities explicitly (JSON has none).
    public let sqnrDB: Double
    /// NaN/∞ counts in the reference.
    public let referenceNonFinite: NonFiniteCounts
    /// NaN/∞ counts in the candidate.
    public let candidateNonFinite: NonFiniteCounts
    /// The one-pass sums the values were derived from (used to combine samples).
    public let sums: PairSums
    /// Set when the buffers had different lengths; the metrics then hold worst-case placeholders
    /// (cosine 0, distances and errors +∞, mean error 0, SQNR −∞, no pairs compared).
    public let lengthMismatch: LengthMismatch?

    /// Derives every metric from one-pass sums, applying the documented edge-case rules.
    public init(sums: PairSums, elementCount: Int) {
        self.elementCount = elementCount
        comparedCount = sums.comparedCount
        cosineSimilarity = MetricFormulas.cosine(sums)
        relativeDistance = MetricFormulas.relativeDistance(sums)
        maxAbsError = sums.maxAbsError
        meanSquaredError = MetricFormulas.meanSquaredError(sums)
        meanError = MetricFormulas.meanError(sums)
        sqnrDB = MetricFormulas.sqnr(sums)
        referenceNonFinite = sums.reference
        candidateNonFinite = sums.candidate
        self.sums = sums
        lengthMismatch = nil
    }

    /// The defined result for buffers of different lengths: worst-case values that can never look good.
    public init(lengthMismatch mismatch: LengthMismatch) {
        elementCount = mismatch.reference
        comparedCount = 0
        cosineSimilarity = 0
        relativeDistance = .infinity
        maxAbsError = .infinity
        meanSquaredError = .infinity
        meanError = 0
        sqnrDB = -.infinity
        referenceNonFinite = NonFiniteCounts()
        candidateNonFinite = NonFiniteCounts()
        sums = PairSums()
        lengthMismatch = mismatch
    }

    /// Compares a reference and a candidate in one pass. Never traps and never returns NaN; buffers of
    /// different lengths give the ``lengthMismatch`` result.
    public static func compare(_ a: [Float], _ b: [Float]) -> TensorMetrics {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in compare(pa, pb) } }
    }

    /// Buffer form of ``compare(_:_:)``, for callers that already hold raw storage.
    public static func compare(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> TensorMetrics {
        guard a.count == b.count else {
            return TensorMetrics(lengthMismatch: LengthMismatch(reference: a.count, candidate: b.count))
        }
        return TensorMetrics(sums: PairSums(reference: a, candidate: b), elementCount: a.count)
    }

    /// The same metrics with another cosine (the accumulator averages cosines over samples).
    func replacingCosine(_ cosine: Double) -> TensorMetrics {
        var copy = self
        copy.cosineSimilarity = cosine
        return copy
    }
}

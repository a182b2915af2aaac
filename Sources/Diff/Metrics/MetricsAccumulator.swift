/// Combines one tensor's comparisons over several evaluation samples into one ``TensorMetrics``.
///
/// - cosine similarity: computed per sample over the flattened tensor, then the plain mean over samples;
/// - max abs error: the maximum over samples;
/// - mean squared error and mean error: weighted by each sample's compared (finite-pair) count, i.e. the
///   mean over all compared elements of all samples;
/// - relative distance and SQNR: from the summed signal energy Σa² and noise energy Σ(b−a)² of all samples,
///   with the same edge-case rules as for one sample;
/// - NaN/∞ counts: summed.
///
/// With no samples the result is the empty comparison (cosine 1, errors 0, SQNR +∞). A sample whose lengths
/// differ makes the whole result the length-mismatch result (the first mismatch is kept), so it cannot be
/// averaged away.
public struct MetricsAccumulator: Sendable {
    private var sums = PairSums()
    private var cosineSum: Double = 0
    private var elementCount = 0
    private var firstMismatch: TensorMetrics.LengthMismatch?

    /// Number of samples added so far.
    public private(set) var sampleCount = 0

    /// An accumulator with no samples.
    public init() {}

    /// Adds one sample's comparison (from ``TensorMetrics/compare(_:_:)``).
    public mutating func add(_ sample: TensorMetrics) {
        sampleCount += 1
        if let mismatch = sample.lengthMismatch {
            if firstMismatch == nil { firstMismatch = mismatch }
            return
        }
        sums.merge(sample.sums)
        cosineSum += sample.cosineSimilarity
        elementCount += sample.elementCount
    }

    /// Compares one sample's reference and candidate, adds it, and returns that sample's metrics.
    @discardableResult
    public mutating func add(reference a: [Float], candidate b: [Float]) -> TensorMetrics {
        let sample = TensorMetrics.compare(a, b)
        add(sample)
        return sample
    }

    /// The metrics over all samples added so far. ``TensorMetrics/elementCount`` is the total over samples.
    public var result: TensorMetrics {
        if let mismatch = firstMismatch { return TensorMetrics(lengthMismatch: mismatch) }
        let combined = TensorMetrics(sums: sums, elementCount: elementCount)
        guard sampleCount > 0 else { return combined }
        let meanCosine = min(1, max(-1, cosineSum / Double(sampleCount)))
        return combined.replacingCosine(meanCosine)
    }
}

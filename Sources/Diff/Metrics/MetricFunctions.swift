/// Thrown by the single-metric functions in ``Metrics`` when the two buffers differ in length.
public enum MetricsError: Error, Equatable, CustomStringConvertible {
    /// The reference had `reference` elements, the candidate `candidate`.
    case lengthMismatch(reference: Int, candidate: Int)

    public var description: String {
        switch self {
        case let .lengthMismatch(reference, candidate):
            return "cannot compare tensors of different sizes: reference has \(reference) elements, "
                + "candidate has \(candidate)"
        }
    }
}

/// Single metrics between a reference `a` and a candidate `b` of equal length, each computed in one pass over
/// the finite pairs with the rules of ``MetricDefinitions``. To get several metrics at once, use
/// ``TensorMetrics/compare(_:_:)`` instead: it makes one pass for all of them.
public enum Metrics {
    /// Cosine similarity in [−1, 1]. Both zero, identical or empty → 1; exactly one zero → 0.
    public static func cosineSimilarity(_ a: [Float], _ b: [Float]) throws -> Double {
        try metrics(a, b).cosineSimilarity
    }

    /// Relative Euclidean distance |a − b| / |a|. Identical → 0; a = 0, b ≠ 0 → +∞.
    public static func relativeDistance(_ a: [Float], _ b: [Float]) throws -> Double {
        try metrics(a, b).relativeDistance
    }

    /// Largest |b − a|; 0 for empty input.
    public static func maxAbsError(_ a: [Float], _ b: [Float]) throws -> Double {
        try metrics(a, b).maxAbsError
    }

    /// Mean of (b − a)²; 0 for empty input.
    public static func meanSquaredError(_ a: [Float], _ b: [Float]) throws -> Double {
        try metrics(a, b).meanSquaredError
    }

    /// Mean of (b − a); 0 for empty input.
    public static func meanError(_ a: [Float], _ b: [Float]) throws -> Double {
        try metrics(a, b).meanError
    }

    /// 20·log10(|a| / |a − b|) in dB. Identical (including empty) → +∞; a = 0, b ≠ 0 → −∞.
    public static func sqnrDB(_ a: [Float], _ b: [Float]) throws -> Double {
        try metrics(a, b).sqnrDB
    }

    /// NaN/∞ counts of the reference and the candidate.
    public static func nonFiniteCounts(_ a: [Float], _ b: [Float]) throws
        -> (reference: NonFiniteCounts, candidate: NonFiniteCounts) {
        let m = try metrics(a, b)
        return (m.referenceNonFinite, m.candidateNonFinite)
    }

    private static func metrics(_ a: [Float], _ b: [Float]) throws -> TensorMetrics {
        guard a.count == b.count else {
            throw MetricsError.lengthMismatch(reference: a.count, candidate: b.count)
        }
        return TensorMetrics.compare(a, b)
    }
}

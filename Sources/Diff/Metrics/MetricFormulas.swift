import Foundation

/// The edge-case rules that turn ``PairSums`` into metric values. Both ``TensorMetrics`` and
/// ``MetricsAccumulator`` go through these, so a rule is written once and documented in ``MetricDefinitions``.
///
/// No function here returns NaN: every 0/0 case has an explicit answer.
enum MetricFormulas {
    /// Σab / (√Σa² · √Σb²), clamped to [−1, 1]. Identical (including both-zero and empty) → 1;
    /// exactly one side zero → 0.
    static func cosine(_ s: PairSums) -> Double {
        if s.errorEnergy == 0 { return 1 }  // every compared pair is equal: also covers empty and both-zero
        let sa = s.referenceEnergy, sb = s.candidateEnergy
        if sa == 0 && sb == 0 { return 1 }
        if sa == 0 || sb == 0 { return 0 }
        // One square root of the product: exact for b = ±a. Energies of Float data lie in about
        // [1e-90, 1e86], so the product stays inside Double's range.
        let value = s.dotProduct / (sa * sb).squareRoot()
        return min(1, max(-1, value))
    }

    /// √Σ(b−a)² / √Σa². Identical → 0; reference zero but candidate not → +∞.
    static func relativeDistance(_ s: PairSums) -> Double {
        if s.errorEnergy == 0 { return 0 }
        if s.referenceEnergy == 0 { return .infinity }
        return s.errorEnergy.squareRoot() / s.referenceEnergy.squareRoot()
    }

    /// 10·log10(Σa² / Σ(b−a)²) = 20·log10(|a| / |a−b|). Identical → +∞; reference zero but candidate not → −∞.
    static func sqnr(_ s: PairSums) -> Double {
        if s.errorEnergy == 0 { return .infinity }
        if s.referenceEnergy == 0 { return -.infinity }
        // Difference of logs: the ratio itself could overflow or underflow.
        return 10 * (log10(s.referenceEnergy) - log10(s.errorEnergy))
    }

    /// Σ(b−a)² / n; 0 when no pairs were compared.
    static func meanSquaredError(_ s: PairSums) -> Double {
        s.comparedCount == 0 ? 0 : s.errorEnergy / Double(s.comparedCount)
    }

    /// Σ(b−a) / n; 0 when no pairs were compared.
    static func meanError(_ s: PairSums) -> Double {
        s.comparedCount == 0 ? 0 : s.errorSum / Double(s.comparedCount)
    }
}

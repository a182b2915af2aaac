import Foundation

/// Entropy calibration as TensorRT describes it: choose the symmetric threshold whose quantized distribution
/// loses the least information (Kullback-Leibler divergence) relative to the observed one.
///
/// For each candidate `i` from `levels` to the number of bins of the |x| histogram:
/// - P is bins `0..<i`, with all counts beyond folded into bin `i-1` (clipped values land on the threshold);
/// - Q merges bins `0..<i` (without the folded tail) into `levels` groups, then spreads each group's count
///   evenly over the bins of the group that are non-empty in P. Bins empty in P stay empty in Q, so empty bins
///   add nothing, and a bin with mass in P but none in Q makes the divergence infinite (that candidate loses).
/// The threshold is the upper edge of bin `i-1` of the candidate with the smallest KL(P || Q).
/// Asymmetric ranges are the observed `[min, max]` clipped to `[-t, t]`.
public struct KLCalibration: CalibrationMethod {
    /// Quantized levels on one side of zero (128 for int8).
    public let levels: Int

    public init(levels: Int = 128) {
        self.levels = Swift.max(2, levels)
    }

    public var name: String { "kl" }

    public func range(for stats: TensorStatistics, symmetric: Bool) throws -> CalibrationRange {
        guard stats.count > 0, stats.absHistogram.limit > 0 else { return CalibrationRange(min: 0, max: 0) }
        let bins = KLCalibration.bestBinCount(stats.absHistogram.counts, levels: levels)
        return finish(threshold: Double(bins) * stats.absHistogram.binWidth, stats: stats, symmetric: symmetric)
    }

    /// The number of leading bins the threshold keeps; exposed for tests.
    static func bestBinCount(_ counts: [UInt64], levels: Int) -> Int {
        let n = counts.count
        guard n > levels else { return n }
        let raw = counts.map(Double.init)
        // suffix[i] = sum of counts[i...], for the folded tail.
        var suffix = [Double](repeating: 0, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + raw[i] }
        var best = n
        var bestDivergence = Double.infinity
        var pStore = [Double](repeating: 0, count: n)
        var qStore = [Double](repeating: 0, count: n)
        raw.withUnsafeBufferPointer { r in
            pStore.withUnsafeMutableBufferPointer { p in
                qStore.withUnsafeMutableBufferPointer { q in
                    for i in levels...n {
                        for k in 0..<i { p[k] = r[k] }
                        p[i - 1] += suffix[i]
                        // Merge into `levels` groups of i / levels bins; the last group takes the remainder.
                        let width = i / levels
                        for g in 0..<levels {
                            let start = g * width
                            let end = g == levels - 1 ? i : start + width
                            var sum = 0.0, nonEmpty = 0
                            for k in start..<end {
                                sum += r[k]
                                if p[k] > 0 { nonEmpty += 1 }
                            }
                            let share = nonEmpty > 0 ? sum / Double(nonEmpty) : 0
                            for k in start..<end { q[k] = p[k] > 0 ? share : 0 }
                        }
                        let d = divergence(UnsafeBufferPointer(rebasing: p[0..<i]), UnsafeBufferPointer(rebasing: q[0..<i]))
                        // Ties keep the smaller threshold: finer resolution for the same information loss.
                        if d < bestDivergence {
                            bestDivergence = d
                            best = i
                        }
                    }
                }
            }
        }
        return best
    }

    static func divergence(_ p: [Double], _ q: [Double]) -> Double {
        p.withUnsafeBufferPointer { pb in q.withUnsafeBufferPointer { qb in divergence(pb, qb) } }
    }

    /// KL(P || Q) of two unnormalized distributions; terms with P = 0 add nothing, P > 0 with Q = 0 is infinite.
    static func divergence(_ p: UnsafeBufferPointer<Double>, _ q: UnsafeBufferPointer<Double>) -> Double {
        var sp = 0.0, sq = 0.0
        for k in 0..<p.count {
            sp += p[k]
            sq += q[k]
        }
        guard sp > 0 else { return 0 }
        guard sq > 0 else { return .infinity }
        // sum p/sp * log((p/sp) / (q/sq)) = (1/sp) * sum p * log(p/q) + log(sq/sp)
        var acc = 0.0
        for k in 0..<p.count where p[k] > 0 {
            if q[k] == 0 { return .infinity }
            acc += p[k] * log(p[k] / q[k])
        }
        return acc / sp + log(sq / sp)
    }
}

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
    ///
    /// KL(P||Q) = (1/sp)·(Σ p·log p − Σ p·log q) + log(sq/sp), and within a merged group q is one constant, so
    /// with prefix sums of r, of r·log r and of non-empty bins every group costs O(1); the groups before the last
    /// are shared by all candidates of one width, so a candidate costs O(1) and a width O(levels).
    static func bestBinCount(_ counts: [UInt64], levels: Int) -> Int {
        let n = counts.count
        guard n > levels else { return n }
        let r = counts.map { Double($0) }  // not map(Double.init): for UInt64 that picks init(bitPattern:)
        var sums = [Double](repeating: 0, count: n + 1)      // Σ r[0..<k]
        var logs = [Double](repeating: 0, count: n + 1)      // Σ r·log r over r[0..<k]
        var nonEmpty = [Int](repeating: 0, count: n + 1)     // bins with r > 0 among [0..<k]
        for k in 0..<n {
            sums[k + 1] = sums[k] + r[k]
            logs[k + 1] = logs[k] + (r[k] > 0 ? r[k] * log(r[k]) : 0)
            nonEmpty[k + 1] = nonEmpty[k] + (r[k] > 0 ? 1 : 0)
        }
        let total = sums[n]
        var best = n
        var bestDivergence = Double.infinity
        // Every candidate with the same group width shares its first `levels - 1` groups (only the last one
        // takes the remainder and the tail), so their Σ p·log q is summed once per width, in the same order.
        var sharedWidth = -1
        var sharedLogQ = 0.0
        for i in levels...n {
            let tail = total - sums[i]
            let last = r[i - 1] + tail          // P's last bin holds the clipped tail
            let sp = sums[i] + tail
            guard sp > 0 else { continue }
            var pLogP = logs[i - 1] + (last > 0 ? last * log(last) : 0)
            // Merge into `levels` groups of i / levels bins; the last group takes the remainder.
            let width = i / levels
            if width != sharedWidth {
                sharedWidth = width
                sharedLogQ = 0
                for g in 0..<(levels - 1) {
                    let groupSum = sums[(g + 1) * width] - sums[g * width]
                    guard groupSum > 0 else { continue }   // P = Q's mass here: an empty group adds nothing
                    sharedLogQ += groupSum * log(groupSum / Double(nonEmpty[(g + 1) * width] - nonEmpty[g * width]))
                }
            }
            var pLogQ = sharedLogQ
            let start = (levels - 1) * width
            let groupSum = sums[i] - sums[start]                  // Q's mass: without the folded tail
            var filled = nonEmpty[i] - nonEmpty[start]            // bins non-empty in P
            let groupP = groupSum + tail
            if r[i - 1] == 0 && tail > 0 { filled += 1 }
            if groupP > 0 {
                guard groupSum > 0 else { continue }              // mass in P, none in Q: infinite
                pLogQ += groupP * log(groupSum / Double(filled))
            }
            pLogP -= pLogQ
            let sq = sums[i]
            let d = pLogP / sp + log(sq / sp)
            // Ties keep the smaller threshold: finer resolution for the same information loss.
            if d < bestDivergence - 1e-12 * abs(bestDivergence) || (bestDivergence.isInfinite && d.isFinite) {
                bestDivergence = d
                best = i
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

import XCTest
@testable import Engine

/// The pruned symmetric MSE search and the width-shared KL search against their plain references on random
/// histograms shaped like activations (a bulk, exact zeros, long tails, empty stretches).
final class CalibrationPruningTests: XCTestCase {
    /// Values like a layer's activations: Gaussian or exponential bulk of varying spread, zeros, outliers.
    func activationLike(_ rng: inout CalibRNG, trial: Int, count: Int) -> [Float] {
        (0..<count).map { i in
            var v = trial % 2 == 0 ? rng.gaussian() * Double(1 + trial % 5) : -log(max(rng.uniform(), 1e-12)) * 0.3
            if i % 7 == 0 { v = 0 }
            if i % 997 == 3 { v *= Double(10 + trial) }
            return Float(v)
        }
    }

    /// The plain symmetric MSE search: every bin edge, the reference error, the first minimum kept.
    func plainMSE(_ h: Histogram, zeros: Int) -> (threshold: Double, error: Double, errors: [Double: Double]) {
        plainMSESearch(MSECalibration.bins(h, zeros: zeros), candidates: (1...h.binCount).map { h.edge($0) },
                       qmax: 127, fallback: Double(h.limit))
    }

    func testPrunedMSESearchPicksTheReferenceThreshold() {
        var rng = CalibRNG(seed: 2024)
        for trial in 0..<8 {
            var s = TensorStatistics(bins: 2048)
            // Several batches, so the histogram grows and its top half may be empty.
            for batch in 0..<3 { s.add(activationLike(&rng, trial: trial + batch, count: 4000)) }
            let h = s.absHistogram
            let want = plainMSE(h, zeros: s.zeroCount)
            let bins = MSECalibration.bins(h, zeros: s.zeroCount)
            let got = MSESymmetricSearch(bins).best(candidates: (1...h.binCount).map { h.edge($0) }, qmax: 127,
                                                   fallback: Double(h.limit))
            // Same candidate, or one whose reference error ties the minimum to rounding.
            let gotError = want.errors[got] ?? .infinity
            XCTAssertTrue(got == want.threshold || abs(gotError - want.error) <= 1e-12 * want.error,
                          "trial \(trial): \(got) (error \(gotError)) vs \(want.threshold) (error \(want.error))")
        }
    }

    func testRoundingBoundNeverExceedsTheRoundingError() {
        var rng = CalibRNG(seed: 7)
        for trial in 0..<6 {
            var s = TensorStatistics(bins: 512)
            s.add(activationLike(&rng, trial: trial, count: 3000))
            let bins = MSECalibration.bins(s.absHistogram, zeros: s.zeroCount)
            let bound = MSERoundingBound(bins)
            XCTAssertTrue(bound.isAvailable)
            for k in stride(from: 8, through: bins.count, by: 7) {
                let inside = Array(bins.prefix(k))
                let end = inside.last!.upper
                for t in [end, end * 1.5, end * 3] {
                    let step = t / 127
                    // The clipping part is zero here (every bin lies below t), so this is the rounding error.
                    let exact = MSECalibration.error(inside, step: step, low: -t, high: t)
                    XCTAssertLessThanOrEqual(bound.bound(end: end, step: step), exact * (1 + 1e-12),
                                             "trial \(trial), \(k) bins, t \(t)")
                }
            }
        }
    }

    func testRoundingBoundIsUnavailableOffAGrid() {
        let bins = [MSECalibration.Bin(lower: 0, upper: 0.7, count: 5), MSECalibration.Bin(lower: 0.7, upper: 2.3, count: 3)]
        XCTAssertFalse(MSERoundingBound(bins).isAvailable)
        XCTAssertEqual(MSERoundingBound(bins).bound(end: 2.3, step: 0.01), 0)
    }

    /// KL over every candidate with its own Σ p·log q, as before the groups were shared per width.
    func perCandidateKL(_ counts: [UInt64], levels: Int) -> Int {
        let n = counts.count
        let r = counts.map { Double($0) }
        var sums = [Double](repeating: 0, count: n + 1), logs = sums
        var nonEmpty = [Int](repeating: 0, count: n + 1)
        for k in 0..<n {
            sums[k + 1] = sums[k] + r[k]
            logs[k + 1] = logs[k] + (r[k] > 0 ? r[k] * log(r[k]) : 0)
            nonEmpty[k + 1] = nonEmpty[k] + (r[k] > 0 ? 1 : 0)
        }
        var best = n, bestDivergence = Double.infinity
        for i in levels...n {
            let tail = sums[n] - sums[i], last = r[i - 1] + tail, sp = sums[i] + tail
            guard sp > 0 else { continue }
            var pLogP = logs[i - 1] + (last > 0 ? last * log(last) : 0)
            var pLogQ = 0.0
            var infinite = false
            let width = i / levels
            for g in 0..<levels {
                let start = g * width, end = g == levels - 1 ? i : start + width
                let groupSum = sums[end] - sums[start]
                var filled = nonEmpty[end] - nonEmpty[start]
                var groupP = groupSum
                if g == levels - 1 {
                    groupP += tail
                    if r[i - 1] == 0 && tail > 0 { filled += 1 }
                }
                guard groupP > 0 else { continue }
                guard groupSum > 0 else { infinite = true; break }
                pLogQ += groupP * log(groupSum / Double(filled))
            }
            if infinite { continue }
            pLogP -= pLogQ
            let d = pLogP / sp + log(sums[i] / sp)
            if d < bestDivergence - 1e-12 * abs(bestDivergence) || (bestDivergence.isInfinite && d.isFinite) {
                bestDivergence = d
                best = i
            }
        }
        return best
    }

    func testSharedGroupKLPicksTheSameBinsAsPerCandidate() {
        var rng = CalibRNG(seed: 99)
        for trial in 0..<10 {
            var s = TensorStatistics(bins: 2048)
            for batch in 0..<2 { s.add(activationLike(&rng, trial: trial + batch, count: 5000)) }
            var counts = s.absHistogram.counts
            if trial % 3 == 2 { for k in stride(from: 5, to: counts.count, by: 11) { counts[k] = 0 } }
            for levels in [128, 32] {
                XCTAssertEqual(KLCalibration.bestBinCount(counts, levels: levels), perCandidateKL(counts, levels: levels),
                               "trial \(trial), levels \(levels)")
            }
        }
    }
}

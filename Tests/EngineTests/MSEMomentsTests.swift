import XCTest
@testable import Engine

/// The moment-based symmetric MSE search against the plain searches on seeded histograms of varied shapes: the
/// chosen threshold must be exactly the one of the search without moments, and the first minimum of the
/// reference error over every candidate.
final class MSEMomentsTests: XCTestCase {
    /// Values of one of several shapes: Gaussian, exponential (ReLU-like), two modes, a narrow bulk with far
    /// outliers, uniform, a handful of distinct values; with exact zeros and, for some, positive values only.
    func shaped(_ rng: inout CalibRNG, shape: Int, count: Int, spread: Double) -> [Float] {
        (0..<count).map { i in
            var v: Double
            switch shape % 6 {
            case 0: v = rng.gaussian() * spread
            case 1: v = -log(max(rng.uniform(), 1e-12)) * spread
            case 2: v = (rng.uniform() < 0.3 ? 4 * spread : 0) + rng.gaussian() * spread * 0.5
            case 3: v = i % 501 == 7 ? spread * 60 * rng.uniform() : rng.gaussian() * spread * 0.1
            case 4: v = (rng.uniform() * 2 - 1) * spread
            default: v = Double(Int(rng.uniform() * 5)) * spread * 0.37
            }
            if i % 11 == 0 { v = 0 }
            return Float(shape % 4 == 1 ? abs(v) : v)
        }
    }

    func testMomentSearchChoosesTheThresholdOfThePlainSearches() {
        var rng = CalibRNG(seed: 31)
        for trial in 0..<36 {
            var s = TensorStatistics(bins: [64, 256, 2048][trial % 3])
            // Several batches of growing spread, so the histogram's range doubles and merges bins on the way.
            for batch in 0..<(1 + trial % 3) {
                s.add(shaped(&rng, shape: trial / 3 + batch, count: 1500 + 700 * (trial % 5), spread: Double(1 + batch * 3)))
            }
            let h = s.absHistogram
            let bins = MSECalibration.bins(h, zeros: s.zeroCount)
            let candidates = (1...h.binCount).map { h.edge($0) }
            for qmax in [127.0, 7.0] {
                XCTAssertNotNil(MSESymmetricMoments(bins, width: h.binWidth), "trial \(trial)")
                let fast = MSESymmetricSearch(bins, binWidth: h.binWidth).best(candidates: candidates, qmax: qmax,
                                                                               fallback: Double(h.limit))
                let plain = MSESymmetricSearch(bins).best(candidates: candidates, qmax: qmax, fallback: Double(h.limit))
                XCTAssertEqual(fast, plain, "trial \(trial), qmax \(qmax)")
                let want = plainMSESearch(bins, candidates: candidates, qmax: qmax, fallback: 0)
                // The vectorized sums may move a tie by an ulp; a different threshold must tie the minimum.
                let gotError = want.errors[fast] ?? .infinity
                XCTAssertTrue(fast == want.threshold || abs(gotError - want.error) <= 1e-12 * want.error,
                              "trial \(trial), qmax \(qmax): \(fast) (error \(gotError)) vs \(want.threshold)")
            }
        }
    }

    func testMomentErrorAndBoundsAgainstTheReferenceError() throws {
        var rng = CalibRNG(seed: 5)
        for trial in 0..<12 {
            var s = TensorStatistics(bins: [256, 2048][trial % 2])
            s.add(shaped(&rng, shape: trial, count: 5000, spread: 2))
            let h = s.absHistogram
            let bins = MSECalibration.bins(h, zeros: s.zeroCount)
            let m = try XCTUnwrap(MSESymmetricMoments(bins, width: h.binWidth))
            for k in stride(from: 1, through: h.binCount, by: 3) {
                let t = h.edge(k), s = t / 127
                XCTAssertEqual(m.slot(t), k)
                let exact = MSECalibration.error(bins, step: s, low: -t, high: t)
                let clipped = MSECalibration.error(bins.filter { $0.lower >= t }, step: s, low: -t, high: t)
                XCTAssertEqual(m.clipping(k), clipped, accuracy: 1e-11 * exact, "trial \(trial), k \(k)")
                XCTAssertLessThanOrEqual(m.lowerBound(k, step: s), exact * (1 + 1e-12), "trial \(trial), k \(k)")
                if let e = m.error(k, qmax: 127) {
                    XCTAssertEqual(e, exact, accuracy: 1e-11 * exact, "trial \(trial), k \(k)")
                } else {
                    XCTAssertLessThan(k, 127)
                }
            }
        }
    }

    func testNoMomentsOffTheHistogramGrid() {
        let w = 0.25
        let onGrid = [MSECalibration.Bin(lower: 0, upper: w, count: 4), MSECalibration.Bin(lower: 3 * w, upper: 4 * w, count: 2)]
        XCTAssertNotNil(MSESymmetricMoments(onGrid, width: w))
        // Edges off the grid, a fractional count, a different width.
        XCTAssertNil(MSESymmetricMoments([MSECalibration.Bin(lower: 0.1, upper: 0.35, count: 4)], width: w))
        XCTAssertNil(MSESymmetricMoments([MSECalibration.Bin(lower: 0, upper: w, count: 2.5)], width: w))
        XCTAssertNil(MSESymmetricMoments(onGrid, width: 0.3))
        // A threshold between edges has no slot.
        XCTAssertNil(MSESymmetricMoments(onGrid, width: w)?.slot(0.3))
    }
}

import XCTest
@testable import Engine

/// The vectorized symmetric MSE search against the plain loop over every candidate with the reference error.
final class MSESearchTests: XCTestCase {
    /// The reference: every bin edge as threshold, `MSECalibration.error`, first minimum kept.
    func naiveBest(_ h: Histogram, zeros: Int) -> (threshold: Double, error: Double) {
        let bins = MSECalibration.bins(h, zeros: zeros)
        var best = Double(h.limit), bestError = Double.infinity
        for k in 1...h.binCount {
            let t = h.edge(k)
            let e = MSECalibration.error(bins, step: t / 127, low: -t, high: t)
            if e < bestError {
                bestError = e
                best = t
            }
        }
        return (best, bestError)
    }

    func testSameThresholdAsTheReferenceLoop() throws {
        var rng = CalibRNG(seed: 11)
        for trial in 0..<12 {
            var s = TensorStatistics(bins: [64, 256, 2048][trial % 3])
            var values: [Float] = []
            let n = 200 + trial * 300
            for i in 0..<n {
                // Gaussians of different spreads, some exact zeros and an outlier or two.
                var v = Float(rng.gaussian() * Double(1 + trial))
                if i % 17 == 0 { v = 0 }
                if i == 5 && trial % 2 == 0 { v = Float(40 + trial) }
                if trial % 4 == 3 { v = abs(v) }
                values.append(v)
            }
            s.add(values)
            let want = naiveBest(s.absHistogram, zeros: s.zeroCount)
            let bins = MSECalibration.bins(s.absHistogram, zeros: s.zeroCount)
            let candidates = (1...s.absHistogram.binCount).map { s.absHistogram.edge($0) }
            let got = MSESymmetricSearch(bins).best(candidates: candidates, qmax: 127, fallback: Double(s.absHistogram.limit))
            XCTAssertEqual(got, want.threshold, "trial \(trial)")
            let viaMethod = try MSECalibration().range(for: s, symmetric: true)
            XCTAssertEqual(viaMethod.max, Float(min(want.threshold, Double(s.absMax))), "trial \(trial)")
        }
    }

    func testBinsThatStraddleTheThresholdUseTheReferenceFormula() {
        // Edges that are not candidates: every bin straddles some threshold.
        let bins = [MSECalibration.Bin(lower: 0, upper: 0.7, count: 5), MSECalibration.Bin(lower: 0.7, upper: 2.3, count: 3),
                    MSECalibration.Bin(lower: 2.3, upper: 9.1, count: 1)]
        let candidates = [0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 9.1]
        var best = 0.0, bestError = Double.infinity
        for t in candidates {
            let e = MSECalibration.error(bins, step: t / 127, low: -t, high: t)
            if e < bestError { bestError = e; best = t }
        }
        XCTAssertEqual(MSESymmetricSearch(bins).best(candidates: candidates, qmax: 127, fallback: 9.1), best)
    }

    func testNoBinsKeepsTheFirstCandidate() {
        XCTAssertEqual(MSESymmetricSearch([]).best(candidates: [0.25, 0.5], qmax: 127, fallback: 1), 0.25)
    }
}

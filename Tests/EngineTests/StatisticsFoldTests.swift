import XCTest
@testable import Engine

/// The one-pass two-histogram fold and the per-sample parallel collector against the plain one-at-a-time folds.
final class StatisticsFoldTests: XCTestCase {
    func batch(_ rng: inout CalibRNG, _ k: Int) -> [Float] {
        (0..<(500 + 300 * k)).map { i in
            i % 5 == 0 ? 0 : Float(rng.gaussian() * Double(1 << (k % 6)) + (k % 3 == 0 ? 2 : 0))
        }
    }

    func testOnePassFoldCountsLikeTwoSeparateAdds() {
        var rng = CalibRNG(seed: 5)
        for bins in [2, 64, 2048] {
            assertFoldMatchesSeparateAdds(bins: bins, batches: (0..<9).map { batch(&rng, $0) })
        }
    }

    /// Folds `batches` into one `TensorStatistics` and checks both its histograms against two plain ones.
    private func assertFoldMatchesSeparateAdds(bins: Int, batches: [[Float]], line: UInt = #line) {
        var stats = TensorStatistics(bins: bins)
        var a = Histogram(bins: bins, signed: false), s = Histogram(bins: bins, signed: true)
        for values in batches {
            stats.add(values)
            let m = values.reduce(Float(0)) { max($0, abs($1)) }
            values.withUnsafeBufferPointer {
                a.add($0, absMax: m)
                s.add($0, absMax: m)
            }
        }
        XCTAssertEqual(stats.absHistogram, a, "\(bins) bins", line: line)
        XCTAssertEqual(stats.signedHistogram, s, "\(bins) bins", line: line)
    }

    func testLargeTensorsCountLikeTwoSeparateAdds() {
        // Tensors of at least four values per bin take the four-way partial histograms; values on bin edges,
        // at ±absMax, signed zeros, subnormals and long runs of one bin must land where the plain loop puts them.
        var rng = CalibRNG(seed: 12)
        for bins in [64, 2048] {
            var batches: [[Float]] = []
            for k in 0..<4 {
                let reach = Float(1 << (2 * k))
                let width = reach / Float(bins)
                var values = (0..<(4 * bins + 1 + 997 * k)).map { i -> Float in
                    switch i % 9 {
                    case 0: return 0
                    case 1: return -0.0
                    case 2: return Float(Int(rng.uniform() * Double(bins))) * width * (i % 2 == 0 ? 1 : -1)
                    case 3: return Float.leastNonzeroMagnitude
                    default: return Float(rng.gaussian()) * reach / 3
                    }
                }
                values += [reach, -reach] + Array(repeating: width / 2, count: 500)
                batches.append(values)
            }
            assertFoldMatchesSeparateAdds(bins: bins, batches: batches)
        }
    }

    func testVectorScanFindsThePlainLoopsExtremesAndZeros() {
        // The plain loop: the first of equal extremes (so the sign of a zero extreme is that of the first zero).
        func plain(_ v: [Float]) -> (lo: Float, hi: Float, zeros: Int)? {
            guard v.allSatisfy(\.isFinite) else { return nil }
            var lo = Float.infinity, hi = -Float.infinity, zeros = 0
            for x in v {
                if x < lo { lo = x }
                if x > hi { hi = x }
                if x == 0 { zeros += 1 }
            }
            return (lo, hi, zeros)
        }
        var rng = CalibRNG(seed: 21)
        for n in [16, 17, 31, 32, 47, 1000, 4099] {
            for kind in 0..<6 {
                var v: [Float] = (0..<n).map { _ in Float(rng.gaussian()) }
                switch kind {
                case 1: v = v.map { max($0, 0) }                             // Relu: min is a zero
                case 2: v = v.map { max($0, 0) }; v[n / 2] = -0.0; v[0] = 1   // the first zero is -0
                case 3: v = v.map { min($0, 0) }; v[n - 1] = -0.0            // max is a zero
                case 4: v[n - 1] = .nan                                     // in the tail: not finite
                case 5: v[3] = -.infinity                                   // in the lanes: not finite
                default: break
                }
                let want = plain(v)
                let got = v.withUnsafeBufferPointer { TensorStatistics.scanFinite($0) }
                XCTAssertEqual(got == nil, want == nil, "n \(n), kind \(kind)")
                guard let got, let want else { continue }
                XCTAssertEqual(got.lo.bitPattern, want.lo.bitPattern, "n \(n), kind \(kind)")
                XCTAssertEqual(got.hi.bitPattern, want.hi.bitPattern, "n \(n), kind \(kind)")
                XCTAssertEqual(got.zeros, want.zeros, "n \(n), kind \(kind)")
            }
        }
    }

    func testHeldSampleFoldsLikeImmediateRecording() {
        var rng = CalibRNG(seed: 8)
        let immediate = CalibrationCollector(bins: 128), held = CalibrationCollector(bins: 128)
        for sample in 0..<4 {
            held.beginSample()
            for t in 0..<12 {
                let values = batch(&rng, sample + t)
                let tensor = Tensor(shape: [values.count], floats: values)
                immediate.record("t\(t)", tensor)
                held.record("t\(t)", tensor)
                if t == 3 {   // a name recorded twice in one sample keeps its order
                    immediate.record("t0", tensor)
                    held.record("t0", tensor)
                }
            }
            held.endSample()
        }
        XCTAssertEqual(held.order, immediate.order)
        XCTAssertEqual(held.statistics, immediate.statistics)
    }
}

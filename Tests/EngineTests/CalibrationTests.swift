import Foundation
import XCTest
@testable import Engine

final class CalibrationTests: XCTestCase {
    // MARK: histograms

    /// Reference binning straight into a histogram of the final range, in Double.
    /// `firstLimit` is the range the histogram started with: a value of that magnitude was counted in the top
    /// bin of the first range, so it stays in the bin below that edge after merging.
    func directBins(_ values: [Float], limit: Float, bins: Int, signed: Bool, firstLimit: Float) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: bins)
        let width = Double(limit) * (signed ? 2 : 1) / Double(bins)
        for v in values {
            let x = signed ? Double(v) + Double(limit) : Double(abs(v))
            var i = Int(x / width)
            if (signed ? v : abs(v)) == firstLimit { i -= 1 }
            out[min(max(i, 0), bins - 1)] += 1
        }
        return out
    }

    func testHistogramGrowthMatchesDirectBinningAndKeepsTotal() {
        var rng = CalibRNG(seed: 7)
        for signed in [false, true] {
            var h = Histogram(bins: 64, signed: signed)
            var all: [Float] = []
            for batch in 0..<5 {
                // Each batch reaches further out, forcing 1, 2 and 3 doublings.
                let reach = Float(1 << (batch * 3 / 2))
                let values = (0..<500).map { _ in Float(rng.uniform() * 2 - 1) * reach }
                let m = values.map { abs($0) }.max()!
                values.withUnsafeBufferPointer { h.add($0, absMax: m) }
                all += values
                XCTAssertEqual(h.total, UInt64(all.count))
                XCTAssertEqual(h.counts.reduce(0, +), h.total, "counts sum to the total")
                XCTAssertGreaterThanOrEqual(h.limit, all.map { abs($0) }.max()!)
                let first = all.prefix(500).map { abs($0) }.max()!
                XCTAssertEqual(h.counts, directBins(all, limit: h.limit, bins: 64, signed: signed, firstLimit: first),
                               "signed \(signed), batch \(batch): merged bins equal binning at the final range")
            }
            // The range only ever doubles from the first batch's maximum.
            let firstMax = Double(h.limit)
            let ratio = log2(firstMax / Double(all.prefix(500).map { abs($0) }.max()!))
            XCTAssertEqual(ratio, ratio.rounded(), accuracy: 1e-9)
            XCTAssertEqual(h.counts.count, 64, "memory does not grow")
        }
    }

    func testHistogramKnownMerge() {
        var h = Histogram(bins: 8, signed: false)
        let a: [Float] = [0.1, 0.3, 0.6, 1.0]  // limit 1, width 0.125: bins 0, 2, 4, 7
        a.withUnsafeBufferPointer { h.add($0, absMax: 1) }
        XCTAssertEqual(h.counts, [1, 0, 1, 0, 1, 0, 0, 1])
        let b: [Float] = [-3.5]  // limit 4 (two doublings), width 0.5: old bins merge in fours
        b.withUnsafeBufferPointer { h.add($0, absMax: 3.5) }
        XCTAssertEqual(h.limit, 4)
        XCTAssertEqual(h.counts, [2, 2, 0, 0, 0, 0, 0, 1])
        var s = Histogram(bins: 8, signed: true)
        let c: [Float] = [-1, -0.2, 0, 0.9]  // [-1, 1], width 0.25: bins 0, 3, 4, 7
        c.withUnsafeBufferPointer { s.add($0, absMax: 1) }
        XCTAssertEqual(s.counts, [1, 0, 0, 1, 1, 0, 0, 1])
        let d: [Float] = [1.5]  // [-2, 2], width 0.5: old bin i -> 4 + floor((i - 4) / 2)
        d.withUnsafeBufferPointer { s.add($0, absMax: 1.5) }
        XCTAssertEqual(s.counts, [0, 0, 1, 1, 1, 1, 0, 1])
    }

    func testZerosBeforeAnyRangeStayAtZero() {
        var stats = TensorStatistics(bins: 16)
        stats.add([0, 0, 0])
        XCTAssertEqual(stats.absHistogram.limit, 0)
        stats.add([2, -1])
        XCTAssertEqual(stats.absHistogram.counts[0], 3)
        XCTAssertEqual(stats.signedHistogram.counts[8], 3 + 0, "zeros sit in the bin [0, w)")
        XCTAssertEqual(stats.signedHistogram.counts[15], 1)
        XCTAssertEqual(stats.signedHistogram.counts[4], 1, "-1 is at offset 1 of width 0.25")
        XCTAssertEqual(stats.zeroCount, 3)
    }

    func testStatisticsSkipNonFiniteValues() {
        var stats = TensorStatistics()
        stats.add([1, -2, .nan, 0.5, .infinity, 0])
        stats.add([3])
        XCTAssertEqual(stats.min, -2)
        XCTAssertEqual(stats.max, 3)
        XCTAssertEqual(stats.absMax, 3)
        XCTAssertEqual(stats.count, 5)
        XCTAssertEqual(stats.nonFiniteCount, 2)
        XCTAssertEqual(stats.zeroCount, 1)
        XCTAssertEqual(stats.batches, 2)
        XCTAssertEqual(stats.absHistogram.total, 5)
        XCTAssertEqual(stats.signedHistogram.total, 5)
    }

    func testCollectorObservesFloatTensorsOnly() throws {
        let collector = CalibrationCollector(bins: 32)
        let node = Node(name: "n", opType: "Relu", inputs: ["x"], outputs: ["y"])
        collector.record(inputs: ["x": Tensor(shape: [2], floats: [-1, 1])])
        for i in 0..<50 {
            collector.didProduce("y", Tensor(shape: [2], floats: [0, Float(i)]), by: node)
            collector.didProduce("shape", Tensor(shape: [1], int64s: [2]), by: node)
        }
        XCTAssertEqual(collector.order, ["x", "y"])
        XCTAssertNil(collector.statistics["shape"])
        let y = try XCTUnwrap(collector.statistics["y"])
        XCTAssertEqual(y.batches, 50)
        XCTAssertEqual(y.max, 49)
        XCTAssertEqual(y.absHistogram.counts.count, 32)
        collector.didProduce("bad", Tensor(shape: [2], floats: [.nan, 1]), by: node)
        XCTAssertEqual(collector.nonFiniteTensors.map(\.name), ["bad"])
        let ranges = try collector.ranges(using: MaxCalibration(), symmetric: false)
        XCTAssertEqual(ranges["x"], CalibrationRange(min: -1, max: 1))
        XCTAssertEqual(ranges["y"], CalibrationRange(min: 0, max: 49))
        let only = CalibrationCollector(only: ["x"])
        only.didProduce("y", Tensor(shape: [1], floats: [1]), by: node)
        XCTAssertTrue(only.statistics.isEmpty)
    }

    // MARK: methods

    func stats(_ values: [Float], bins: Int = 2048) -> TensorStatistics {
        var s = TensorStatistics(bins: bins)
        // Several batches, as several samples would give.
        let chunk = max(1, values.count / 4)
        for start in stride(from: 0, to: values.count, by: chunk) {
            s.add(Array(values[start..<min(start + chunk, values.count)]))
        }
        return s
    }

    func gaussian(_ n: Int, seed: UInt64, sigma: Double = 1) -> [Float] {
        var rng = CalibRNG(seed: seed)
        return (0..<n).map { _ in Float(rng.gaussian() * sigma) }
    }

    func testMaxIsExact() throws {
        let s = stats([-0.75, 3.25, 1, -2])
        XCTAssertEqual(try MaxCalibration().range(for: s, symmetric: false), CalibrationRange(min: -2, max: 3.25))
        XCTAssertEqual(try MaxCalibration().range(for: s, symmetric: true), CalibrationRange(min: -3.25, max: 3.25))
        XCTAssertEqual(try MaxCalibration().range(for: TensorStatistics(), symmetric: true), CalibrationRange(min: 0, max: 0))
    }

    func testPercentileOnUniformData() throws {
        var rng = CalibRNG(seed: 3)
        let values = (0..<200_000).map { _ in Float(rng.uniform()) }
        let s = stats(values)
        let p99 = try PercentileCalibration(percentile: 99).range(for: s, symmetric: true)
        XCTAssertEqual(Double(p99.max), 0.99, accuracy: 0.002)
        XCTAssertEqual(p99.min, -p99.max)
        let p = try PercentileCalibration().range(for: s, symmetric: true)
        XCTAssertEqual(Double(p.max), 0.9999, accuracy: 0.0006)
        XCTAssertLessThanOrEqual(p.max, s.absMax)
        // Asymmetric: both tails of uniform [-1, 3).
        let shifted = stats(values.map { $0 * 4 - 1 })
        let a = try PercentileCalibration(percentile: 99).range(for: shifted, symmetric: false)
        XCTAssertEqual(Double(a.min), -0.96, accuracy: 0.01)
        XCTAssertEqual(Double(a.max), 2.96, accuracy: 0.01)
        XCTAssertThrowsError(try PercentileCalibration(percentile: 100.5))
        XCTAssertThrowsError(try PercentileCalibration(percentile: 30))
    }

    func testKLDivergenceHandlesEmptyBins() {
        XCTAssertEqual(KLCalibration.divergence([1, 0, 1], [1, 0, 1]), 0)
        XCTAssertEqual(KLCalibration.divergence([1, 0, 1], [1, 5, 1]), log(7.0 / 2), accuracy: 1e-12,
                       "Q's extra mass only renormalizes")
        XCTAssertEqual(KLCalibration.divergence([1, 1], [2, 0]), .infinity)
        // Hand-computed: P = (1/2, 1/2), Q = (1/4, 3/4): 1/2 ln 2 + 1/2 ln(2/3).
        XCTAssertEqual(KLCalibration.divergence([1, 1], [1, 3]), 0.5 * log(2) + 0.5 * log(2.0 / 3), accuracy: 1e-12)
    }

    func testKLOnUniformKeepsNearlyEverything() {
        // Every bin holds the same count: no candidate below the full range describes the tail.
        let counts = [UInt64](repeating: 10, count: 2048)
        XCTAssertEqual(KLCalibration.bestBinCount(counts, levels: 128), 2048)
    }

    func testKLOnGaussianWithOutliersClipsWellBelowMax() throws {
        var values = gaussian(100_000, seed: 11)
        values += [40, -45, 50, 38, -42]
        let s = stats(values)
        let r = try KLCalibration().range(for: s, symmetric: true)
        XCTAssertEqual(s.absMax, 50)
        XCTAssertGreaterThan(r.max, 2.5, "keeps the bulk of a unit Gaussian")
        XCTAssertLessThan(r.max, 10, "ignores the outliers")
        let asym = try KLCalibration().range(for: s, symmetric: false)
        XCTAssertEqual(asym.max, r.max)
        XCTAssertEqual(asym.min, -r.max)
        XCTAssertEqual(try KLCalibration().range(for: stats([0, 0]), symmetric: true), CalibrationRange(min: 0, max: 0))
    }

    func testMSEErrorIntegralByHand() {
        // 12 values spread over [0, 1), grid step 0.25 inside [-1, 1]: 12 * s^2 / 12 = 0.0625.
        let inside = [MSECalibration.Bin(lower: 0, upper: 1, count: 12)]
        XCTAssertEqual(MSECalibration.error(inside, step: 0.25, low: -1, high: 1), 0.0625, accuracy: 1e-12)
        // One value spread over [2, 3), clipped at 1: integral of (x - 1)^2 over [2, 3] = 7/3.
        let outside = [MSECalibration.Bin(lower: 2, upper: 3, count: 1)]
        XCTAssertEqual(MSECalibration.error(outside, step: 0.25, low: -1, high: 1), 7.0 / 3, accuracy: 1e-12)
        // Straddling the top: [0.5, 1) rounds (2 periods: 2 * s^3/12 per unit density 2), [1, 1.5) clips (1/24).
        let both = [MSECalibration.Bin(lower: 0.5, upper: 1.5, count: 1)]
        XCTAssertEqual(MSECalibration.error(both, step: 0.25, low: -1, high: 1), 2 * 0.25 * 0.25 * 0.25 / 12 + 0.125 / 3,
                       accuracy: 1e-12)
        // A grid coarser than the bin: values in [0, 0.1) round to 0, error = integral x^2 / width = 0.01 / 3.
        let narrow = [MSECalibration.Bin(lower: 0, upper: 0.1, count: 1)]
        XCTAssertEqual(MSECalibration.error(narrow, step: 1, low: -10, high: 10), 0.01 / 3, accuracy: 1e-12)
    }

    func testMSEPicksARangeBetweenBulkAndOutliers() throws {
        // One outlier at 20 among 100k unit Gaussians. Clipping it costs (20 - t)^2 and rounding the rest costs
        // about 1e5 (t/127)^2 / 12, so d/dt = 0 at t = 40 / (2 + 2e5 / (12 * 127^2)) = 13.2: far above the bulk
        // that KL keeps and below the maximum.
        var values = gaussian(100_000, seed: 5)
        values.append(20)
        let s = stats(values)
        let mse = try MSECalibration().range(for: s, symmetric: true)
        let kl = try KLCalibration().range(for: s, symmetric: true)
        XCTAssertEqual(Double(mse.max), 13.2, accuracy: 0.8)
        XCTAssertGreaterThan(mse.max, kl.max)
        XCTAssertLessThan(mse.max, s.absMax)
        // Five outliers: the optimum moves to 200 / 11.03 = 18.1.
        values += [20, -20, 20, 20]
        let five = try MSECalibration().range(for: stats(values), symmetric: true)
        XCTAssertEqual(Double(five.max), 18.1, accuracy: 0.8)
    }

    func testMSEOnUniformKeepsTheRange() throws {
        var rng = CalibRNG(seed: 9)
        let s = stats((0..<50_000).map { _ in Float(rng.uniform() * 2 - 1) })
        let r = try MSECalibration().range(for: s, symmetric: true)
        XCTAssertGreaterThan(r.max, 0.97 * s.absMax)
        XCTAssertLessThanOrEqual(r.max, s.absMax)
    }

    func testAsymmetricMSEOnReluLikeData() throws {
        // Exponential(1) values (a ReLU-like tail) plus exact zeros and one far outlier.
        var rng = CalibRNG(seed: 13)
        var values = (0..<50_000).map { _ in Float(-log(max(rng.uniform(), 1e-12))) }
        values += Array(repeating: 0, count: 50_000) + [60]
        let s = stats(values)
        let r = try MSECalibration().range(for: s, symmetric: false)
        XCTAssertEqual(r.min, 0, "nothing below zero")
        XCTAssertGreaterThan(r.max, 5)
        XCTAssertLessThan(r.max, 60)
        XCTAssertLessThanOrEqual(r.max, s.max)
    }

    // MARK: method names

    func testMethodKindParsing() throws {
        XCTAssertEqual(try CalibrationMethodKind(parsing: "kl"), .kl)
        XCTAssertEqual(try CalibrationMethodKind(parsing: "Entropy"), .kl)
        XCTAssertEqual(try CalibrationMethodKind(parsing: " MSE "), .mse)
        XCTAssertEqual(try CalibrationMethodKind(parsing: "min-max"), .max)
        XCTAssertEqual(try CalibrationMethodKind(parsing: "auto"), .auto)
        let m = calibErrorMessage { _ = try CalibrationMethodKind(parsing: "percentil") }
        XCTAssertTrue(m.contains("did you mean 'percentile'"), m)
        XCTAssertTrue(m.contains("max, kl, percentile, mse, auto"), m)
        let e = calibErrorMessage { _ = try CalibrationMethodKind(parsing: "entropi") }
        XCTAssertTrue(e.contains("'kl' ('entropy')"), e)
        XCTAssertEqual(try CalibrationMethodKind.kl.method().name, "kl")
        XCTAssertEqual(try CalibrationMethodKind.percentile.method(percentile: 99.9).name, "percentile")
        XCTAssertThrowsError(try CalibrationMethodKind.auto.method())
    }

    // MARK: quantization parameters

    func testInt8SymmetricParams() throws {
        let q = try QuantParams(range: CalibrationRange(min: -2, max: 1), scheme: .int8Symmetric)
        XCTAssertEqual(q.scale, 2 / 127)
        XCTAssertEqual([q.zeroPoint, q.qmin, q.qmax], [0, -128, 127])
        XCTAssertEqual(q.quantize(0), 0)
        XCTAssertEqual(q.quantize(-2), -127)
        XCTAssertEqual(q.quantize(5), 127, "clamped")
        XCTAssertEqual(q.quantize(-5), -128, "saturates at int8's -128, as QuantizeLinear and a device do")
        XCTAssertEqual(q.fakeQuantize(1), Float(64) * (2 / 127), "1 / (2/127) = 63.5 rounds to even")
    }

    func testUInt8AsymmetricParams() throws {
        let q = try QuantParams(range: CalibrationRange(min: -1, max: 3), scheme: .uint8Asymmetric)
        XCTAssertEqual(q.scale, 4 / 255)
        XCTAssertEqual(q.zeroPoint, 64, "round(1 / (4/255)) = round(63.75)")
        XCTAssertEqual(q.dequantize(q.quantize(0)), 0, "zero is exact")
        // Ranges that exclude zero are widened to include it.
        let pos = try QuantParams(range: CalibrationRange(min: 0.5, max: 2), scheme: .uint8Asymmetric)
        XCTAssertEqual(pos.zeroPoint, 0)
        XCTAssertEqual(pos.scale, 2 / 255)
        let neg = try QuantParams(range: CalibrationRange(min: -3, max: -1), scheme: .uint8Asymmetric)
        XCTAssertEqual(neg.zeroPoint, 255)
        XCTAssertEqual(neg.representableRange.max, 0)
    }

    func testDegenerateRanges() throws {
        for scheme in QuantScheme.allCases {
            let z = try QuantParams(range: CalibrationRange(min: 0, max: 0), scheme: scheme)
            XCTAssertEqual(z.scale, 1, "all-zero tensors get a usable scale")
            XCTAssertEqual(z.dequantize(z.quantize(0)), 0)
            XCTAssertThrowsError(try QuantParams(range: CalibrationRange(min: -.infinity, max: 1), scheme: scheme))
            XCTAssertThrowsError(try QuantParams(range: CalibrationRange(min: .nan, max: 1), scheme: scheme))
            let tiny = try QuantParams(range: CalibrationRange(min: 0, max: 1e-42), scheme: scheme)
            XCTAssertGreaterThan(tiny.scale, 0)
            XCTAssertTrue(tiny.scale.isNormal)
        }
        let q = try QuantParams(range: CalibrationRange(min: -1, max: 1), scheme: .uint8Asymmetric)
        XCTAssertEqual(q.quantize(.nan), q.zeroPoint)
    }

    func testPerChannelWeights() throws {
        // Conv weight [2 out, 3 in]: axis 0.
        let w = Tensor(shape: [2, 3], floats: [1, -2, 0.5, 0, 0, 0])
        let q = try WeightQuantizer.perChannelSymmetric(w, axis: WeightQuantizer.channelAxis(forOpType: "Conv"))
        XCTAssertEqual(q.axis, 0)
        XCTAssertEqual(q.scales, [2 / 127, 1])
        XCTAssertEqual(q.values, [64, -127, 32, 0, 0, 0])
        XCTAssertEqual(try q.dequantized().floats()[1], -2)
        // ConvTranspose weight [C_in 2, C_out 2, 1, 1]: channels along axis 1.
        let t = Tensor(shape: [2, 2, 1, 1], floats: [1, 4, -3, 2])
        let axis = WeightQuantizer.channelAxis(forOpType: "ConvTranspose")
        XCTAssertEqual(axis, 1)
        let qt = try WeightQuantizer.perChannelSymmetric(t, axis: axis)
        XCTAssertEqual(qt.scales, [3 / 127, 4 / 127])
        XCTAssertEqual(qt.values, [42, 127, -127, 64])
        XCTAssertThrowsError(try WeightQuantizer.perChannelSymmetric(Tensor(shape: [1], floats: [.nan]), axis: 0))
        XCTAssertThrowsError(try WeightQuantizer.perChannelSymmetric(w, axis: 2))
    }
}

import Foundation

/// Chooses the range that minimizes the expected squared quantization error over the observed distribution:
/// rounding error for values inside the range plus clipping error for values outside it.
///
/// Values are assumed spread evenly inside each histogram bin, and exact zeros (counted separately) cost
/// nothing. For a grid of step `s` the rounding error integrates in closed form: with x = m*s + r,
/// m = round(x/s), the integral of (t - s*round(t/s))^2 from 0 to x is m*s^3/12 + r^3/3.
/// Symmetric ranges search the threshold over the |x| histogram's bin edges (int8, levels -127...127).
/// Asymmetric ranges search (min, max) over the signed histogram's edges on a coarse-to-fine grid (uint8
/// with a rounded zero point, so the grid includes zero exactly).
public struct MSECalibration: CalibrationMethod {
    public let bits: Int

    public init(bits: Int = 8) {
        self.bits = Swift.min(Swift.max(bits, 2), 16)
    }

    public var name: String { "mse" }

    public func range(for stats: TensorStatistics, symmetric: Bool) throws -> CalibrationRange {
        guard stats.count > 0, stats.absHistogram.limit > 0 else { return CalibrationRange(min: 0, max: 0) }
        if symmetric {
            let h = stats.absHistogram
            let bins = MSECalibration.bins(h, zeros: stats.zeroCount)
            let qmax = Double((1 << (bits - 1)) - 1)
            let candidates = (1...h.binCount).map { h.edge($0) }
            let best = MSESymmetricSearch(bins, binWidth: h.binWidth).best(candidates: candidates, qmax: qmax, fallback: Double(h.limit))
            return finish(threshold: best, stats: stats, symmetric: true)
        }
        let h = stats.signedHistogram
        let bins = MSECalibration.bins(h, zeros: stats.zeroCount)
        let qmax = Double((1 << bits) - 1)
        let mid = h.binCount / 2
        // Candidate edges: low in 0...mid (<= 0), high in mid...binCount (>= 0), clamped to what was observed.
        let loMin = Swift.max(0, Int(((Double(stats.min) - h.edge(0)) / h.binWidth).rounded(.down)))
        let hiMax = Swift.min(h.binCount, Int(((Double(stats.max) - h.edge(0)) / h.binWidth).rounded(.up)))
        func cost(_ lo: Int, _ hi: Int) -> Double {
            let low = Swift.min(h.edge(lo), 0), high = Swift.max(h.edge(hi), 0)
            guard high > low else { return .infinity }
            let step = (high - low) / qmax
            // The zero point is rounded, which shifts the representable range to whole steps around zero.
            let zp = Swift.min(Swift.max((-low / step).rounded(), 0), qmax)
            return MSECalibration.error(bins, step: step, low: -zp * step, high: (qmax - zp) * step)
        }
        var bestLo = Swift.min(loMin, mid), bestHi = Swift.max(hiMax, mid)
        var bestError = cost(bestLo, bestHi)
        var stride = Swift.max(1, h.binCount / 64)
        var loRange = Swift.min(loMin, mid)...mid, hiRange = mid...Swift.max(hiMax, mid)
        while true {
            for lo in Swift.stride(from: loRange.lowerBound, through: loRange.upperBound, by: stride) {
                for hi in Swift.stride(from: hiRange.lowerBound, through: hiRange.upperBound, by: stride) {
                    let e = cost(lo, hi)
                    if e < bestError {
                        bestError = e
                        bestLo = lo
                        bestHi = hi
                    }
                }
            }
            if stride == 1 { break }
            // Refine around the best pair with a finer step.
            loRange = Swift.max(Swift.min(loMin, mid), bestLo - stride)...Swift.min(mid, bestLo + stride)
            hiRange = Swift.max(mid, bestHi - stride)...Swift.min(Swift.max(hiMax, mid), bestHi + stride)
            stride = Swift.max(1, stride / 8)
        }
        let low = Float(Swift.min(h.edge(bestLo), 0)), high = Float(Swift.max(h.edge(bestHi), 0))
        return CalibrationRange(min: Swift.max(low, Swift.min(stats.min, 0)), max: Swift.min(high, Swift.max(stats.max, 0)))
    }

    /// A non-empty bin: its edges and the count of values spread over it.
    struct Bin {
        var lower: Double
        var upper: Double
        var count: Double
    }

    /// Non-empty bins with the exact zeros removed (they cost nothing). For |x| histograms the bins cover x >= 0
    /// and the symmetric grid makes negative values cost the same.
    static func bins(_ h: Histogram, zeros: Int) -> [Bin] {
        var out: [Bin] = []
        for (i, c) in h.counts.enumerated() where c > 0 {
            var n = Double(c)
            if i == h.zeroBin { n -= Double(zeros) }
            if n > 0 { out.append(Bin(lower: h.edge(i), upper: h.edge(i + 1), count: n)) }
        }
        return out
    }

    /// Expected total squared error of rounding to multiples of `step` within [low, high] and clipping outside.
    static func error(_ bins: [Bin], step s: Double, low: Double, high: Double) -> Double {
        guard s > 0 else { return .infinity }
        return bins.withUnsafeBufferPointer { error($0, step: s, low: low, high: high) }
    }

    /// The same over a buffer: the search calls this for every candidate, so it avoids `pow` (a cube is
    /// three multiplications) and any allocation; each bin's term and the summation order are unchanged.
    @inline(__always)
    static func error(_ bins: UnsafeBufferPointer<Bin>, step s: Double, low: Double, high: Double) -> Double {
        guard s > 0 else { return .infinity }
        // Integral of the squared rounding error from 0 to x.
        @inline(__always) func rounding(_ x: Double) -> Double {
            let m = (x / s).rounded()
            let r = x - m * s
            return m * s * s * s / 12 + r * r * r / 3
        }
        @inline(__always) func cube(_ x: Double) -> Double { x * x * x }
        var total = 0.0
        for b in bins {
            let width = b.upper - b.lower
            guard width > 0 else { continue }
            var integral = 0.0
            // Below the range: clipped to low.
            if b.lower < low {
                let top = Swift.min(b.upper, low)
                integral += (cube(low - b.lower) - cube(low - top)) / 3
            }
            // Inside: rounding.
            let a = Swift.max(b.lower, low), c = Swift.min(b.upper, high)
            if c > a { integral += rounding(c) - rounding(a) }
            // Above the range: clipped to high.
            if b.upper > high {
                let bottom = Swift.max(b.lower, high)
                integral += (cube(b.upper - high) - cube(bottom - high)) / 3
            }
            total += b.count / width * integral
        }
        return total
    }
}

/// The symmetric MSE search, vectorized: for every candidate threshold `t` (a bin edge of the |x| histogram)
/// the expected squared error of rounding to the grid `t / qmax` inside `[0, t]` plus clipping above `t`.
///
/// Each bin's term is the one of ``MSECalibration/error(_:step:low:high:)``, except that x/s is computed as
/// x·(1/s) and the divisions by 12 and 3 are applied to the sums (divisions per value made the search
/// divider-bound), and the terms are summed in four lanes. Both
/// move the total by a few ulps at most: where the product and the quotient round to different grid levels, x
/// sits on a half step, and there the rounding integral R is the same for either level (R is continuous). The bins are split once per candidate into those wholly inside
/// the range (rounding only), those wholly above it (clipping only) and the at most one that straddles it.
/// Candidates that ``MSERoundingBound`` proves cannot beat the best so far are skipped.
struct MSESymmetricSearch {
    private var lower: [Double] = []
    private var upper: [Double] = []
    /// count / width: the density each bin's integral is weighted by.
    private var weight: [Double] = []
    private let bins: [MSECalibration.Bin]
    private let bound: MSERoundingBound

    init(_ bins: [MSECalibration.Bin]) {
        // Sorted by lower edge (the histogram's order); bins of zero width contribute nothing.
        self.bins = bins.filter { $0.upper - $0.lower > 0 }.sorted { $0.lower < $1.lower }
        for b in self.bins {
            lower.append(b.lower)
            upper.append(b.upper)
            weight.append(b.count / (b.upper - b.lower))
        }
        bound = MSERoundingBound(self.bins)
    }

    /// The threshold among `candidates` (ascending) with the smallest error; ties keep the first.
    func best(candidates: [Double], qmax: Double, fallback: Double) -> Double {
        var best = fallback, bestError = Double.infinity
        let n = lower.count
        guard n > 0 else { return candidates.first { $0 / qmax > 0 } ?? fallback }
        bins.withUnsafeBufferPointer { bp in
        lower.withUnsafeBufferPointer { lo in
            upper.withUnsafeBufferPointer { up in
                weight.withUnsafeBufferPointer { w in
                    var inside = 0      // bins [0, inside) end at or below t
                    var above = 0       // bins [above, n) start at or above t
                    for t in candidates {
                        let s = t / qmax
                        guard s > 0 else { continue }
                        while inside < n && up[inside] <= t { inside += 1 }
                        while above < n && lo[above] < t { above += 1 }
                        // Every term is non-negative, so a candidate whose rounding error alone is bound to exceed
                        // the best total cannot win; the margin is far above the sums' rounding error.
                        if inside > 64, bestError.isFinite,
                           bound.bound(end: up[inside - 1], step: s) > bestError * (1 + 1e-9) { continue }
                        var e = MSESymmetricSearch.rounding(lo, up, w, 0, inside, s)
                        for i in inside..<above {
                            // Straddles t (or lies past an unsorted edge): the reference formula.
                            e += MSECalibration.error(UnsafeBufferPointer(rebasing: bp[i..<(i + 1)]), step: s, low: -t, high: t)
                        }
                        e += MSESymmetricSearch.clipping(lo, up, w, above, n, t)
                        if e < bestError {
                            bestError = e
                            best = t
                        }
                    }
                }
            }
        }
        }
        return best
    }

    /// Σ w·(R(upper) − R(lower)) over bins [from, to), with R(x) = m·s³/12 + r³/3, m = round(x/s), r = x − m·s.
    @inline(__always)
    static func rounding(_ lo: UnsafeBufferPointer<Double>, _ up: UnsafeBufferPointer<Double>,
                         _ w: UnsafeBufferPointer<Double>, _ from: Int, _ to: Int, _ s: Double) -> Double {
        let inv = 1 / s, s3 = s * s * s
        // 12·R(x) = m·s³ + 4·r³: the division by 12 is done once on the sum.
        @inline(__always) func r4(_ x: SIMD4<Double>) -> SIMD4<Double> {
            let y = x * inv
            // Half away from zero for y >= 0, exactly: y - floor(y) is exact.
            let f = y.rounded(.down)
            let m = f.replacing(with: f + 1, where: y - f .>= 0.5)
            let r = x - m * s
            return m * s3 + 4 * (r * r * r)
        }
        @inline(__always) func r1(_ x: Double) -> Double {
            let m = (x * inv).rounded()
            let r = x - m * s
            return m * s3 + 4 * (r * r * r)
        }
        var acc = SIMD4<Double>()
        var i = from
        let l = UnsafeRawPointer(lo.baseAddress!), u = UnsafeRawPointer(up.baseAddress!), ww = UnsafeRawPointer(w.baseAddress!)
        let stride = MemoryLayout<Double>.stride
        while i + 4 <= to {
            let vl = l.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self)
            let vu = u.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self)
            let vw = ww.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self)
            acc += vw * (r4(vu) - r4(vl))
            i += 4
        }
        var total = acc.sum()
        while i < to {
            total += w[i] * (r1(up[i]) - r1(lo[i]))
            i += 1
        }
        return total / 12
    }

    /// Σ w·((upper − t)³ − (lower − t)³)/3 over bins [from, to), all at or above t.
    @inline(__always)
    static func clipping(_ lo: UnsafeBufferPointer<Double>, _ up: UnsafeBufferPointer<Double>,
                         _ w: UnsafeBufferPointer<Double>, _ from: Int, _ to: Int, _ t: Double) -> Double {
        var acc = SIMD4<Double>()
        var i = from
        let l = UnsafeRawPointer(lo.baseAddress!), u = UnsafeRawPointer(up.baseAddress!), ww = UnsafeRawPointer(w.baseAddress!)
        let stride = MemoryLayout<Double>.stride
        let vt = SIMD4<Double>(repeating: t)
        while i + 4 <= to {
            let a = u.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self) - vt
            let b = l.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self) - vt
            acc += ww.loadUnaligned(fromByteOffset: i * stride, as: SIMD4<Double>.self) * (a * a * a - b * b * b)
            i += 4
        }
        var total = acc.sum()
        while i < to {
            let a = up[i] - t, b = lo[i] - t
            total += w[i] * (a * a * a - b * b * b)
            i += 1
        }
        return total / 3
    }
}

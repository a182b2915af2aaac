/// The symmetric MSE search, vectorized: for every candidate threshold `t` (a bin edge of the |x| histogram)
/// the expected squared error of rounding to the grid `t / qmax` inside `[0, t]` plus clipping above `t`.
///
/// Each bin's term is the one of ``MSECalibration/error(_:step:low:high:)``, except that x/s is computed as
/// x·(1/s) and the divisions by 12 and 3 are applied to the sums (divisions per value made the search
/// divider-bound), and the terms are summed in four lanes. Both
/// move the total by a few ulps at most: where the product and the quotient round to different grid levels, x
/// sits on a half step, and there the rounding integral R is the same for either level (R is continuous). The bins are split once per candidate into those wholly inside
/// the range (rounding only), those wholly above it (clipping only) and the at most one that straddles it.
/// Candidates that ``MSERoundingBound`` proves cannot beat the best so far are skipped. For a histogram's own bins,
/// ``MSESymmetricMoments`` bounds and estimates every candidate in O(1) or O(levels) instead, and only the few
/// near the minimum take the exact sums.
struct MSESymmetricSearch {
    private var lower: [Double] = []
    private var upper: [Double] = []
    /// count / width: the density each bin's integral is weighted by.
    private var weight: [Double] = []
    private let bins: [MSECalibration.Bin]
    private let bound: MSERoundingBound

    /// O(1) clipping errors and lower bounds per candidate, when the bins are a histogram's.
    private let moments: MSESymmetricMoments?

    /// - Parameter binWidth: the histogram's bin width when `bins` are its bins (edges `Double(j) * binWidth`),
    ///   which enables the O(1) bounds; the chosen threshold is the same with or without it.
    init(_ bins: [MSECalibration.Bin], binWidth: Double? = nil) {
        // Sorted by lower edge (the histogram's order); bins of zero width contribute nothing.
        let sorted = bins.filter { $0.upper - $0.lower > 0 }.sorted { $0.lower < $1.lower }
        self.bins = sorted
        for b in sorted {
            lower.append(b.lower)
            upper.append(b.upper)
            weight.append(b.count / (b.upper - b.lower))
        }
        bound = MSERoundingBound(sorted)
        moments = binWidth.flatMap { MSESymmetricMoments(sorted, width: $0) }
    }

    /// The threshold among `candidates` (ascending) with the smallest error; ties keep the first.
    func best(candidates: [Double], qmax: Double, fallback: Double) -> Double {
        guard !lower.isEmpty else { return candidates.first { $0 / qmax > 0 } ?? fallback }
        if let m = moments, qmax >= 1, qmax == qmax.rounded(), qmax < Double(1 << 20) {
            return best(candidates: candidates, qmax: qmax, fallback: fallback, moments: m)
        }
        var best = fallback, bestError = Double.infinity
        var split = Split()
        for t in candidates {
            let s = t / qmax
            guard s > 0 else { continue }
            split.advance(to: t, lower: lower, upper: upper)
            // Every term is non-negative, so a candidate whose rounding error alone is bound to exceed the best
            // total cannot win; the margin is far above the sums' rounding error.
            if split.inside > 64, bestError.isFinite,
               bound.bound(end: upper[split.inside - 1], step: s) > bestError * (1 + 1e-9) { continue }
            let e = exact(t, step: s, split)
            if e < bestError {
                bestError = e
                best = t
            }
        }
        return best
    }

    /// The same choice from the moments: every candidate's error to within rounding in O(levels), those whose
    /// O(1) lower bound exceeds the smallest so far skipped (the candidate of smallest Sheppard estimate goes
    /// first, so that bound bites from the start), then the exact error of the few within a relative 1e-9 of
    /// the smallest. Both computations are within about 1e-12 of the true error, so the first minimum of the
    /// exact errors is among those few, and it is the one chosen.
    private func best(candidates: [Double], qmax: Double, fallback: Double, moments m: MSESymmetricMoments) -> Double {
        let levels = Int(qmax)
        var smallest = Double.infinity
        var seed: (k: Int, estimate: Double)?
        for t in candidates where t / qmax > 0 {
            guard let k = m.slot(t) else { continue }
            let e = m.estimate(k, step: t / qmax)
            if seed == nil || e < seed!.estimate { seed = (k, e) }
        }
        if let k = seed?.k, let e = m.error(k, qmax: levels) { smallest = e }
        // (threshold, error, whether that error is the exact one)
        var near: [(t: Double, error: Double, exact: Bool)] = []
        var split = Split()
        for t in candidates {
            let s = t / qmax
            guard s > 0 else { continue }
            split.advance(to: t, lower: lower, upper: upper)
            var e: Double, isExact = false
            if let k = m.slot(t) {
                if smallest.isFinite, m.lowerBound(k, step: s) > smallest * (1 + 1e-9) { continue }
                if let v = m.error(k, qmax: levels) {
                    e = v
                } else {
                    e = exact(t, step: s, split)
                    isExact = true
                }
            } else {
                e = exact(t, step: s, split)
                isExact = true
            }
            if e > smallest * (1 + 1e-9) { continue }
            smallest = Swift.min(smallest, e)
            near.append((t, e, isExact))
        }
        var best = fallback, bestError = Double.infinity
        split = Split()
        for c in near where c.error <= smallest * (1 + 1e-9) {
            split.advance(to: c.t, lower: lower, upper: upper)
            let e = c.exact ? c.error : exact(c.t, step: c.t / qmax, split)
            if e < bestError || (e == bestError && c.t < best) {
                bestError = e
                best = c.t
            }
        }
        return best
    }

    /// Bins [0, inside) end at or below the threshold and [above, n) start at or above it; advanced along
    /// ascending thresholds.
    private struct Split {
        var inside = 0
        var above = 0
        mutating func advance(to t: Double, lower: [Double], upper: [Double]) {
            while inside < upper.count && upper[inside] <= t { inside += 1 }
            while above < lower.count && lower[above] < t { above += 1 }
        }
    }

    /// The error of threshold t with the vectorized sums; bins between the split's two ends straddle t (or lie
    /// past an unsorted edge) and take the reference formula.
    private func exact(_ t: Double, step s: Double, _ split: Split) -> Double {
        lower.withUnsafeBufferPointer { lo in
            upper.withUnsafeBufferPointer { up in
                weight.withUnsafeBufferPointer { w in
                    bins.withUnsafeBufferPointer { bp in
                        var e = MSESymmetricSearch.rounding(lo, up, w, 0, split.inside, s)
                        for i in split.inside..<Swift.max(split.inside, split.above) {
                            e += MSECalibration.error(UnsafeBufferPointer(rebasing: bp[i..<(i + 1)]), step: s, low: -t, high: t)
                        }
                        return e + MSESymmetricSearch.clipping(lo, up, w, split.above, lo.count, t)
                    }
                }
            }
        }
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

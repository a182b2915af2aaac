/// Exact integer moments of an |x| histogram on its own grid, so that for a threshold on a bin edge the
/// clipping error above it, and a lower bound on the rounding error below it, cost O(1) instead of O(bins), and
/// the whole error costs O(levels) (``MSESymmetricMoments/error(_:qmax:)``).
///
/// Bin j covers [j·w, (j+1)·w] with a whole count c_j spread evenly, so over any run of whole bins
/// Σ c_j·∫(x − C)² = w²·Σ c_j·((2j + 1 − 2C/w)²/4 + 1/12): sums of c, c·(2j+1) and c·(2j+1)² kept in Int64 are
/// exact, and re-centred on an integer near 2C/w before the conversion they lose nothing to cancellation.
/// Above a threshold t = k·w that gives the clipping error. Below it, with step s = t/qmax, Sheppard's value
/// N·s²/12 differs from the rounding error by −∫φ df, φ(x) = ∫₀ˣ (d² − s²/12) (d the distance to the nearest level,
/// φ periodic, zero at every level and so at 0 and t, |φ| ≤ 0.01604·s³): at most 0.0161·s³ times the density's
/// total variation below t, a prefix sum.
struct MSESymmetricMoments {
    let width: Double
    /// Slots 0..<slots hold every non-empty bin; one empty slot follows.
    private let slots: Int
    /// The largest edge whose sums are sure to fit in Int64.
    private let maxSlot: Int
    /// Suffix sums from slot k up: Σ c, Σ c·(2j+1), Σ c·(2j+1)².
    private var s0: [Int64]
    private var s1: [Int64]
    private var s2: [Int64]
    /// Counts per slot, with one empty slot past the last.
    private var counts: [Int64]
    /// Prefix sums: `variation[k]` = Σ_{1≤j<k} |c_j − c_{j−1}| (counts; divide by w for density).
    private var variation: [Int64]

    /// Nil unless every bin sits on the grid j·w from zero with a whole count, and the sums fit in Int64.
    init?(_ bins: [MSECalibration.Bin], width: Double) {
        guard width > 0, width.isFinite, let last = bins.last else { return nil }
        let top = Int((last.upper / width).rounded())
        guard top > 0, top < 1 << 24 else { return nil }
        var counts = [Int64](repeating: 0, count: top + 1)
        var total: Int64 = 0
        for b in bins {
            let j = Int((b.lower / width).rounded())
            // The histogram's own edges are Double(j) * binWidth exactly; anything else is not this grid.
            guard j >= 0, j < top, b.lower == Double(j) * width, b.upper == Double(j + 1) * width,
                  b.count >= 0, b.count < 1e15, b.count == b.count.rounded(), counts[j] == 0 else { return nil }
            counts[j] = Int64(b.count)
            total += counts[j]
        }
        // The re-centred sums, at most Σc·(2k+3)², must fit in Int64 (wrapping intermediates cancel exactly).
        let largest = (4e18 / Swift.max(Double(total), 1)).squareRoot() / 2 - 2
        guard largest >= Double(top) else { return nil }
        maxSlot = Int(Swift.min(largest, Double(1 << 30)))
        slots = top
        self.width = width
        self.counts = counts
        s0 = [Int64](repeating: 0, count: top + 2)
        s1 = s0
        s2 = s0
        for j in stride(from: top, through: 0, by: -1) {
            let c = counts[j], o = Int64(2 * j + 1)
            s0[j] = s0[j + 1] + c
            s1[j] = s1[j + 1] + c * o
            s2[j] = s2[j + 1] + c * o * o
        }
        variation = [Int64](repeating: 0, count: top + 2)
        for k in 1...(top + 1) {
            variation[k] = variation[k - 1] + (k >= 2 ? abs(counts[k - 1] - counts[k - 2]) : 0)
        }
    }

    /// The slot index k of a threshold on a bin edge (t == k·w exactly), else nil.
    func slot(_ t: Double) -> Int? {
        let k = (t / width).rounded()
        guard k >= 1, k < Double(1 << 30), Double(Int(k)) * width == t else { return nil }
        return Int(k)
    }

    /// Clipping error of the values above edge k: Σ_{j≥k} c_j·w²·((2j + 1 − 2k)²/4 + 1/12).
    func clipping(_ k: Int) -> Double {
        guard k < slots else { return 0 }
        return width * width * wholeBins(from: k, to: slots, centre: Double(k))
    }

    /// Σ c_j·((2j + 1 − 2C)²/4 + 1/12) over slots [a, b), C in bin units: the squared distance to C integrated
    /// over whole bins, in units of w².
    @inline(__always)
    private func wholeBins(from a: Int, to b: Int, centre: Double) -> Double {
        guard b > a else { return 0 }
        let d0 = s0[a] &- s0[b], d1 = s1[a] &- s1[b], d2 = s2[a] &- s2[b]
        // Re-centred on the integer j0 nearest 2C: exact, so only |2C − j0| <= ½ is left to round.
        let twice = 2 * centre, j0 = twice.rounded()
        let i0 = Int64(j0)
        let e1 = d1 &- i0 &* d0
        let e2 = d2 &- 2 &* i0 &* d1 &+ i0 &* i0 &* d0
        let delta = twice - j0
        let n = Double(d0)
        return (Double(e2) - 2 * delta * Double(e1) + delta * delta * n) / 4 + n / 12
    }

    /// The rounding error below edge k on the grid of step s = k·w/qmax plus the clipping above it, from the
    /// moments: O(qmax) per candidate instead of O(bins), equal to the exact error up to rounding (relative
    /// 1e-12 or so: no step cancels). Nil when the step is below a bin width (k < qmax), where the bins are
    /// fewer than the levels anyway.
    func error(_ k: Int, qmax: Int) -> Double? {
        guard k >= qmax, qmax >= 1, k <= maxSlot else { return nil }
        let q = Double(k) / Double(qmax)   // the step in bins, at least one: a bin holds at most one boundary
        let end = Swift.min(k, slots)      // bins [0, end) round; slots from `slots` on are empty
        var total = 0.0
        var first = 0                      // the current level's first whole bin
        var level = 0
        while level < qmax {
            let centre = Double(level) * q, boundary = centre + q / 2
            if boundary >= Double(end) { break }
            // Bin j holds the boundary between this level and the next: [j, boundary] rounds to this one.
            let j = Int(boundary)
            total += wholeBins(from: first, to: j, centre: centre)
            let c = Double(counts[j])
            if c > 0 {
                let h = q / 2, a = Double(j) - centre, b = Double(j + 1) - centre - q
                total += c * ((h * h * h - a * a * a) + (b * b * b + h * h * h)) / 3
            }
            first = j + 1
            level += 1
        }
        total += wholeBins(from: first, to: end, centre: Double(level) * q)
        return width * width * total + clipping(k)
    }

    /// Values below edge k.
    func inside(_ k: Int) -> Double { Double(s0[0] - s0[Swift.min(k, slots + 1)]) }

    /// Sheppard's estimate of the total error at edge k with step s: clipping plus N·s²/12.
    func estimate(_ k: Int, step s: Double) -> Double { clipping(k) + inside(k) * s * s / 12 }

    /// A lower bound on the total error at edge k with step s: clipping plus the bounded rounding error.
    func lowerBound(_ k: Int, step s: Double) -> Double {
        let v = Double(variation[Swift.min(k, slots + 1)]) / width
        return clipping(k) + Swift.max(0, inside(k) * s * s / 12 - 0.0161 * s * s * s * v)
    }
}

/// A cheap lower bound on the rounding part of the symmetric MSE error, so the search can skip candidates that
/// cannot beat the best one found so far without changing which candidate wins.
///
/// The rounding error of a density f on a grid of step s is ∫ f(x)·d(x)² dx, d the distance to the nearest grid
/// point. Over one whole grid cell [(m−½)s, (m+½)s], ∫ d² = s³/12, so that cell contributes at least
/// (min of f over the cell)·s³/12; the half cell [0, s/2] of an |x| histogram, where most values of an
/// activation sit when s is large, at least half that. Summing the whole cells inside the bins that lie below the threshold gives a
/// bound, with each minimum answered in O(1) from a sparse table: O(cells) per candidate instead of O(bins).
/// It needs bins on one uniform grid (a histogram's); otherwise `isAvailable` is false.
struct MSERoundingBound {
    /// Lower edge of slot 0 and the slot width.
    private let origin: Double
    private let width: Double
    /// `table[j][i]`: the smallest density over slots `i ..< i + 2^j`; empty slots have density 0.
    private var table: [[Double]] = []
    let isAvailable: Bool

    /// - Parameter bins: sorted by lower edge, each of positive width.
    init(_ bins: [MSECalibration.Bin]) {
        guard let first = bins.first else {
            origin = 0; width = 0; isAvailable = false
            return
        }
        origin = first.lower
        width = first.upper - first.lower
        var density: [Double] = []
        var aligned = width > 0
        for b in bins where aligned {
            let k = ((b.lower - origin) / width).rounded()
            // Tolerance for the rounding of the histogram's edges; the query widens its slot range by one anyway.
            guard k >= 0, k < Double(1 << 20), abs(b.lower - (origin + k * width)) <= 1e-6 * width,
                  abs(b.upper - b.lower - width) <= 1e-6 * width else { aligned = false; break }
            let slot = Int(k)
            if density.count <= slot { density += [Double](repeating: 0, count: slot + 1 - density.count) }
            density[slot] = b.count / (b.upper - b.lower)
        }
        isAvailable = aligned
        guard aligned else { return }
        table = [density]
        var span = 1
        while span * 2 <= density.count {
            let previous = table[table.count - 1]
            table.append((0...(density.count - span * 2)).map { Swift.min(previous[$0], previous[$0 + span]) })
            span *= 2
        }
    }

    /// The smallest density over slots `lo...hi` (clamped to the table).
    @inline(__always)
    private func minimum(_ lo: Int, _ hi: Int) -> Double {
        let n = table[0].count
        let l = Swift.max(0, lo), h = Swift.min(n - 1, hi)
        guard l <= h else { return 0 }
        let level = Int.bitWidth - 1 - (h - l + 1).leadingZeroBitCount
        return Swift.min(table[level][l], table[level][h - (1 << level) + 1])
    }

    /// A lower bound on the rounding error of the bins that lie in `[origin, end]` on the grid of step `s`.
    func bound(end: Double, step s: Double) -> Double {
        guard isAvailable, s > 0, end.isFinite, end > origin else { return 0 }
        var total = 0.0
        // The cell around zero, [0, s/2] of an |x| histogram (origin 0): ∫ d² = s³/24, half a whole cell's.
        if origin == 0, s / 2 <= end {
            total += minimum(0, Int((s / 2 / width).rounded(.down)) + 1) / 2
        }
        var m = Swift.max(1, Int((origin / s + 0.5).rounded(.up)))
        while Double(m) + 0.5 <= end / s {
            let a = (Double(m) - 0.5) * s, b = (Double(m) + 0.5) * s
            if b > end { break }
            // One slot wider on each side: a superset's minimum is still a lower bound.
            total += minimum(Int(((a - origin) / width).rounded(.down)) - 1, Int(((b - origin) / width).rounded(.down)) + 1)
            m += 1
        }
        return total * (s * s * s) / 12
    }
}

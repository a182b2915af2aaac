import Foundation

/// The float activation histogram as a one-line sparkline, with the clipping range and the int8 grid below.
enum HistogramView {
    static func lines(_ h: Histogram?, width: Int, glyphs g: Glyphs) -> [StyledLine] {
        guard let h, !h.counts.isEmpty, h.upper > h.lower, width >= 10 else {
            return [StyledLine("  \(g.dash) not recorded yet", .dim)]
        }
        let cols = min(width, 64)
        let span = h.upper - h.lower
        // Bucket the histogram bins into columns; heights on a square-root scale so small tails stay visible.
        var sums = [Int](repeating: 0, count: cols)
        let bins = h.counts.count
        for c in 0..<cols {
            // Columns cover whole bins when there are more bins than columns, else repeat the bin they fall in.
            let lo = c * bins / cols, hi = max(lo + 1, (c + 1) * bins / cols)
            sums[c] = h.counts[lo..<min(bins, hi)].reduce(0, +)
        }
        let peak = Double(sums.max() ?? 0)
        let levels = g.spark.count - 1
        func value(atColumn c: Int) -> Double { h.lower + (Double(c) + 0.5) / Double(cols) * span }
        func column(of v: Double) -> Int { Int(((v - h.lower) / span * Double(cols)).rounded(.down)) }

        var spark: [(String, StyleRole)] = [("  ", .normal)]
        for c in 0..<cols {
            let level = peak > 0 && sums[c] > 0 ? max(1, Int((sqrt(Double(sums[c]) / peak) * Double(levels)).rounded())) : 0
            let clipped = h.clip.map { !$0.contains(value(atColumn: c)) } ?? false
            spark.append((String(g.spark[level]), clipped ? .fail : .bar))
        }
        var out = [StyledLine(spark)]

        var marks = [Character](repeating: " ", count: cols)
        var note = ""
        if let step = h.step, step > 0 {
            if span / step <= Double(cols) / 2 {
                var v = (h.lower / step).rounded(.up) * step
                while v <= h.upper { let c = column(of: v); if c >= 0 && c < cols { marks[c] = g.gridTick }; v += step }
            } else {
                note = "int8 step \(formatNumber(step)) is finer than a column"
            }
        }
        if let clip = h.clip {
            let l = column(of: clip.lowerBound), r = column(of: clip.upperBound)
            if l >= 0 && l < cols { marks[l] = g.clipLeft }
            if r >= 0 && r < cols { marks[r] = g.clipRight }
        }
        out.append(StyledLine("  " + String(marks), .accent))
        let left = formatNumber(h.lower), right = formatNumber(h.upper)
        out.append(StyledLine("  " + left + String(repeating: " ", count: max(1, cols - left.count - right.count)) + right, .dim))
        if let clip = h.clip {
            out.append(StyledLine("  clip \(g.clipLeft)\(formatNumber(clip.lowerBound)), \(formatNumber(clip.upperBound))\(g.clipRight): outside is clipped" + (h.step != nil && note.isEmpty ? ", \(g.gridTick) int8 grid" : ""), .dim))
        }
        if !note.isEmpty { out.append(StyledLine("  " + note, .dim)) }
        return out
    }
}

/// Per-output-channel weight ranges, each as a bar around zero scaled to the largest magnitude.
enum ChannelRangeView {
    static let maxShown = 64

    static func lines(_ ranges: [ClosedRange<Double>], width: Int, glyphs g: Glyphs) -> [StyledLine] {
        let barWidth = max(8, min(30, width - 34))
        let scale = ranges.map { max(abs($0.lowerBound), abs($0.upperBound)) }.max() ?? 0
        var out: [StyledLine] = []
        for (c, r) in ranges.prefix(maxShown).enumerated() {
            var bar = [Character](repeating: " ", count: barWidth)
            let mid = barWidth / 2
            if scale > 0 {
                let lo = mid + Int((r.lowerBound / scale * Double(mid)).rounded())
                let hi = mid + Int((r.upperBound / scale * Double(mid)).rounded())
                for i in max(0, min(lo, hi))...min(barWidth - 1, max(lo, hi, 0)) { bar[i] = g.full }
            }
            bar[mid] = bar[mid] == " " ? Character(g.vertical) : bar[mid]
            let text = "[\(formatNumber(r.lowerBound)), \(formatNumber(r.upperBound))]"
            out.append(StyledLine([("  " + DisplayWidth.pad("c\(c)", to: 5), .dim),
                                   (DisplayWidth.pad(text, to: 24), .normal), (String(bar), .bar)]))
        }
        if ranges.count > maxShown { out.append(StyledLine("  \(g.ellipsis) \(ranges.count - maxShown) more channels", .dim)) }
        return out
    }
}

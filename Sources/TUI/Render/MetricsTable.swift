import Foundation

/// Every metric for every stage pair, one block per pair with accumulated and isolated columns.
enum MetricsTable {
    static let rows: [(String, (MetricValues) -> Double?, String)] = [
        ("cosine", { $0.cosine }, "%.5f"),
        ("rel L2", { $0.relativeL2 }, ""),
        ("max|e|", { $0.maxAbsError }, ""),
        ("MSE", { $0.mse }, ""),
        ("SQNR dB", { $0.sqnrDB }, "%.2f"),
    ]

    static func lines(_ layer: LayerInfo, pairs: [StagePair], selected: StagePair, glyphs g: Glyphs) -> [StyledLine] {
        var out: [StyledLine] = []
        for (i, pair) in pairs.enumerated() {
            let m = layer.metrics[pair]
            let mark = pair == selected ? g.pointer : " "
            let label = "\(mark) \(i + 1) \(pair.label(arrow: g.pairArrow))"
            guard let m, m.accumulated != nil || m.isolated != nil else {
                out.append(StyledLine([(label, pair == selected ? .accent : .normal), ("  \(g.dash)", .dim)]))
                continue
            }
            let suspicion = m.shownSuspicion
            var head: [(String, StyleRole)] = [(DisplayWidth.pad(label, to: 28), pair == selected ? .accent : .normal)]
            head.append(("accum.     isol.", .dim))
            if let suspicion { head.append(("  " + g.symbol(suspicion), role(for: suspicion))) }
            out.append(StyledLine(head))
            for (name, get, format) in rows {
                let a = m.accumulated.flatMap(get), b = m.isolated.flatMap(get)
                out.append(StyledLine([
                    ("    " + DisplayWidth.pad(name, to: 9), .dim),
                    (DisplayWidth.pad(text(a, format, g), to: 10, right: true) + " ", cell(a, name)),
                    (DisplayWidth.pad(text(b, format, g), to: 10, right: true), cell(b, name)),
                ]))
            }
        }
        return out
    }

    static func text(_ v: Double?, _ format: String, _ g: Glyphs) -> String {
        guard let v else { return g.dash }
        return format.isEmpty ? formatNumber(v) : String(format: format, v)
    }

    /// Cosines are coloured by the thresholds; the other metrics have no universal threshold.
    static func cell(_ v: Double?, _ name: String) -> StyleRole {
        guard let v else { return .dim }
        return name == "cosine" ? role(for: Suspicion.from(cosine: v)) : .normal
    }
}

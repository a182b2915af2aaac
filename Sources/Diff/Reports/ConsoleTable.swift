/// The text `qscope analyze` prints, in the style of converter logs: one row per layer with its accumulated
/// cosine per pair, a mark for suspicious layers, then the ranked suspicious layers with their reasons.
///
/// Marks: "v" the layer introduces error (drop point or high isolated error), "X" below the fail threshold,
/// "!" below the warn threshold; combined when several apply ("vX").
public struct ConsoleTable {
    /// The rendered report.
    public let report: AnalysisReport
    /// Node names longer than this are shortened with "…" in the layer table.
    public var maxNodeWidth: Int

    /// A console rendering of `report`.
    public init(_ report: AnalysisReport, maxNodeWidth: Int = 40) {
        self.report = report
        self.maxNodeWidth = max(8, maxNodeWidth)
    }

    /// Layer table, legend, and ranked suspicious layers.
    public var text: String {
        var s = stageLines + layerTable
        let config = report.suspicionConfig
        s += "marks: v introduces error (drop point or isolated error), X cosine below \(ReportText.compact(config.fail)), "
            + "! below \(ReportText.compact(config.warn))\n"
        s += suspiciousLines
        return s
    }

    /// The mark of one layer over every ranked pair.
    public func mark(layer index: Int) -> String {
        let entries = report.suspicious.filter { $0.layerIndex == index }
        let introduced = entries.contains { $0.isIntroduced } ? "v" : ""
        let kinds = Set(entries.flatMap(\.kinds))
        return introduced + (kinds.contains(.fail) ? "X" : kinds.contains(.warn) ? "!" : "")
    }

    private var stageLines: String {
        Stage.allCases.compactMap { stage in
            report.status(of: stage).reason.map { "\(report.label(stage)) stage failed: \($0)\n" }
        }.joined()
    }

    private var layerTable: String {
        let pairs = report.comparedPairs
        var rows: [[String]] = [["node", "op", "ON"] + pairs.map(report.label) + [""]]
        for layer in report.layers {
            let cosines = pairs.map { pair in
                layer.accumulated[pair].map { ReportText.fixed($0.cosineSimilarity, 4) } ?? "–"
            }
            rows.append([shortened(layer.nodeName), layer.opType, layer.placement?.label ?? "–"] + cosines
                + [mark(layer: layer.index)])
        }
        let columns = rows[0].count
        let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, text in
                let pad = String(repeating: " ", count: widths[c] - text.count)
                // Text columns align left, cosine columns right.
                return (3..<columns - 1).contains(c) ? pad + text : text + pad
            }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }.joined()
    }

    private var suspiciousLines: String {
        let pairs = StagePair.allCases.filter { pair in report.suspicious.contains { $0.pair == pair } }
        guard !pairs.isEmpty else { return "no suspicious layers\n" }
        var s = ""
        for pair in pairs {
            s += "\nsuspicious layers (\(report.label(pair))), most likely cause first:\n"
            for entry in report.suspicious.filter({ $0.pair == pair }).sorted(by: { $0.rank < $1.rank }) {
                s += "  \(entry.rank). [\(entry.kindsText)] \(entry.nodeName) (\(entry.opType)): \(entry.reason)\n"
            }
        }
        return s
    }

    private func shortened(_ name: String) -> String {
        name.count <= maxNodeWidth ? name : String(name.prefix(maxNodeWidth - 1)) + "…"
    }
}

private extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}

import Foundation

/// The analysis as one self-contained HTML page: no network access, no external CSS or scripts.
///
/// Sections: configuration (model, settings, thresholds, stages, timings), final outputs, an inline SVG chart of
/// the accumulated cosine per layer for every pair, the ranked suspicious layers, and the full per-layer table.
/// All text from the model (node names, reasons) is HTML-escaped.
public struct HTMLReport: ReportDocument {
    /// The rendered report.
    public let report: AnalysisReport

    /// An HTML rendering of `report`.
    public init(_ report: AnalysisReport) { self.report = report }

    public func data() -> Data { Data(html.utf8) }

    /// The whole page.
    public var html: String {
        let e = ReportText.html
        var s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        s += "<title>qscope analysis: \(e(report.modelPath))</title>\n<style>\n\(HTMLReport.style)</style>\n</head>\n<body>\n"
        s += "<h1>qscope analysis</h1>\n<p class=\"model\">\(e(report.modelPath))</p>\n"
        s += configurationSection + outputsSection
        s += "<h2>Cosine similarity per layer</h2>\n" + CosineChart(report: report).svg
        s += suspiciousSection + layersSection
        s += "<p class=\"foot\">schema \(e(AnalysisReport.schemaVersion))</p>\n</body>\n</html>\n"
        return s
    }

    private static let style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
        h1 { margin-bottom: 0; } .model { color: #555; margin-top: 4px; font-family: monospace; }
        table { border-collapse: collapse; margin: 8px 0 24px; }
        th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #f4f4f4; } td.num { text-align: right; font-family: monospace; }
        td.warn { background: #fff4d6; } td.fail { background: #fde0e0; } td.absent { color: #aaa; }
        .chart text { font: 11px sans-serif; fill: #444; } .chart .axis { font-size: 12px; }
        .foot { color: #888; font-size: 12px; }

        """

    private func table(_ header: [String], _ rows: [String]) -> String {
        "<table>\n<tr>" + header.map { "<th>\(ReportText.html($0))</th>" }.joined() + "</tr>\n"
            + rows.map { "<tr>\($0)</tr>\n" }.joined() + "</table>\n"
    }

    private func cell(_ text: String, _ cls: String? = nil) -> String {
        "<td\(cls.map { " class=\"\($0)\"" } ?? "")>\(ReportText.html(text))</td>"
    }

    private func cosineCell(_ metrics: TensorMetrics?) -> String {
        guard let metrics else { return cell("–", "num absent") }
        let severity = report.suspicionConfig.thresholds.classify(metrics)
        return cell(ReportText.fixed(metrics.cosineSimilarity, 4), severity == .ok ? "num" : "num \(severity)")
    }

    private var configurationSection: String {
        let config = report.suspicionConfig
        var rows = [cell("model") + cell(report.modelPath)]
        rows += report.config.map { cell($0.key) + cell($0.value) }
        rows.append(cell("warn threshold") + cell(ReportText.compact(config.warn)))
        rows.append(cell("fail threshold") + cell(ReportText.compact(config.fail)))
        rows.append(cell("drop delta") + cell(ReportText.compact(config.dropDelta)))
        for stage in Stage.allCases where report.comparedFiles == nil || report.stages[stage] != nil {
            let status = report.status(of: stage)
            rows.append(cell(report.comparedFiles == nil ? "stage \(stage.displayName)" : "model \(report.label(stage))") + cell(status.reason.map { "failed: \($0)" } ?? status.name))
        }
        for key in report.timings.keys.sorted() {
            rows.append(cell("time \(key)") + cell(ReportText.fixed(report.timings[key] ?? 0, 3) + " s"))
        }
        return "<h2>Configuration</h2>\n" + table(["setting", "value"], rows)
    }

    private var outputsSection: String {
        guard !report.outputs.isEmpty else { return "" }
        let rows = report.outputs.map { o in
            cell(o.name) + cell(report.label(o.pair)) + cosineCell(o.metrics)
                + cell(ReportText.compact(o.metrics.relativeDistance), "num")
                + cell(ReportText.compact(o.metrics.maxAbsError), "num")
                + cell(ReportText.compact(o.metrics.sqnrDB), "num")
        }
        return "<h2>Final outputs</h2>\n"
            + table(["output", "pair", "cosine", "relative distance", "max abs error", "SQNR dB"], rows)
    }

    private var suspiciousSection: String {
        guard !report.suspicious.isEmpty else { return "<h2>Suspicious layers</h2>\n<p>None.</p>\n" }
        let rows = report.suspicious.map { s in
            cell("\(s.rank)", "num") + cell(report.label(s.pair)) + cell(s.nodeName) + cell(s.opType)
                + cell(s.kindsText) + cell(ReportText.fixed(s.cosine, 4), "num \(s.severity)") + cell(s.reason)
        }
        return "<h2>Suspicious layers</h2>\n"
            + table(["rank", "pair", "node", "op", "kind", "cosine", "reason"], rows)
    }

    private var layersSection: String {
        let pairs = report.comparedPairs
        var header = ["#", "node", "op", "output shape", "ON"]
        for pair in pairs { header += ["\(report.label(pair)) cosine", "\(report.label(pair)) isolated"] }
        header += ["scale", "calibration", "suspicious"]
        let rows = report.layers.map { l -> String in
            var row = cell("\(l.index)", "num") + cell(l.nodeName) + cell(l.opType)
                + cell(l.outputShape.map(String.init).joined(separator: "×")) + cell(l.placement?.label ?? "")
            for pair in pairs { row += cosineCell(l.accumulated[pair]) + cosineCell(l.isolated[pair]) }
            row += cell(l.quantization.map { ReportText.compact($0.scale) } ?? "", "num")
            row += cell(l.quantization?.method ?? "")
            let marks = pairs.compactMap { p in report.suspicion(layer: l.index, pair: p).map { "\(report.label(p)): \($0.kindsText)" } }
            row += cell((marks + (l.note.map { ["not compared: \($0)"] } ?? [])).joined(separator: "; "))
            return row
        }
        return "<h2>All layers</h2>\n" + table(header, rows)
    }
}

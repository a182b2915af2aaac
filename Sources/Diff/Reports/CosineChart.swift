import Foundation

/// An inline SVG line chart of the accumulated cosine per layer, one line per stage pair, with the warn and fail
/// thresholds drawn and labelled, a legend, and a marker (with a tooltip) on every layer that introduces error.
struct CosineChart {
    let report: AnalysisReport

    private let width = 960.0
    private let plotHeight = 300.0
    private let left = 64.0
    private let right = 24.0
    private let top = 16.0
    private let axisSpace = 40.0
    private let legendSpace = 28.0

    /// Line colours per pair, chosen to stay distinguishable in print.
    static func color(_ pair: StagePair) -> String {
        switch pair {
        case .floatOptimized: return "#7f7f7f"
        case .floatQuantized: return "#d62728"
        case .floatHybrid: return "#1f77b4"
        case .quantizedHybrid: return "#2ca02c"
        }
    }

    /// Lowest value on the y axis: at most 0.8 and at most the fail threshold and the lowest plotted cosine,
    /// rounded down to a multiple of 0.05 and never below −1.
    var yMin: Double {
        let cosines = report.layers.flatMap { $0.accumulated.values.map(\.cosineSimilarity) }.filter(\.isFinite)
        let lowest = min(0.8, report.suspicionConfig.fail, cosines.min() ?? 1)
        return max(-1, (lowest / 0.05).rounded(.down) * 0.05)
    }

    var svg: String {
        let pairs = StagePair.allCases.filter { pair in report.layers.contains { $0.accumulated[pair] != nil } }
        let height = top + plotHeight + axisSpace + legendSpace
        let indices = report.layers.map(\.index)
        let xLow = Double(indices.min() ?? 0), xHigh = Double(indices.max() ?? 0)
        let plotWidth = width - left - right
        let yLow = yMin
        func x(_ index: Int) -> Double {
            xHigh > xLow ? left + (Double(index) - xLow) / (xHigh - xLow) * plotWidth : left + plotWidth / 2
        }
        func y(_ cosine: Double) -> Double {
            top + (1 - (min(1, max(yLow, cosine)) - yLow) / (1 - yLow)) * plotHeight
        }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        // No xmlns: inline SVG in HTML5 needs none, and the page must not name any URL.
        var s = "<svg class=\"chart\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
        s += "width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"Cosine similarity per layer\">\n"
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" "
        s += "fill=\"#fff\" stroke=\"#999\"/>\n"
        // Y grid and ticks: five steps from yLow to 1.
        for step in 0...4 {
            let value = yLow + (1 - yLow) * Double(step) / 4
            s += "<line x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\" "
            s += "stroke=\"#eee\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\" class=\"tick\">"
            s += "\(ReportText.fixed(value, 3))</text>\n"
        }
        // X ticks: about ten layer indices.
        let span = max(1, Int(xHigh - xLow))
        let stride = max(1, Int((Double(span) / 10).rounded(.up)))
        for index in Swift.stride(from: Int(xLow), through: Int(xHigh), by: stride) {
            s += "<text x=\"\(f(x(index)))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\" class=\"tick\">"
            s += "\(index)</text>\n"
        }
        s += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(top + plotHeight + 34))\" text-anchor=\"middle\" "
        s += "class=\"axis\">layer index</text>\n"
        s += "<text x=\"14\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" class=\"axis\" "
        s += "transform=\"rotate(-90 14 \(f(top + plotHeight / 2)))\">cosine</text>\n"
        // Threshold lines, labelled at the right end.
        let thresholds = [("warn", report.suspicionConfig.warn, "#e69f00"), ("fail", report.suspicionConfig.fail, "#cc0000")]
        for (name, value, color) in thresholds where value >= yLow && value <= 1 {
            s += "<line class=\"threshold\" x1=\"\(f(left))\" x2=\"\(f(left + plotWidth))\" y1=\"\(f(y(value)))\" "
            s += "y2=\"\(f(y(value)))\" stroke=\"\(color)\" stroke-dasharray=\"6 4\"/>\n"
            s += "<text x=\"\(f(left + plotWidth - 4))\" y=\"\(f(y(value) - 4))\" text-anchor=\"end\" class=\"tick\" "
            s += "fill=\"\(color)\">\(name) \(ReportText.compact(value))</text>\n"
        }
        // One path per pair through the layers that have metrics; layers without (e.g. a Reshape that was not
        // compared) are skipped rather than breaking the line, which would leave single points invisible.
        for pair in pairs {
            var d = ""
            for layer in report.layers {
                guard let cosine = layer.accumulated[pair]?.cosineSimilarity, cosine.isFinite else { continue }
                d += "\(d.isEmpty ? "M" : "L")\(f(x(layer.index))) \(f(y(cosine))) "
            }
            s += "<path class=\"series\" data-pair=\"\(ReportText.html(report.label(pair)))\" d=\"\(d)\" fill=\"none\" "
            s += "stroke=\"\(CosineChart.color(pair))\" stroke-width=\"1.5\"/>\n"
        }
        // Markers on the layers that introduce error.
        for entry in report.suspicious where entry.isIntroduced {
            s += "<circle cx=\"\(f(x(entry.layerIndex)))\" cy=\"\(f(y(entry.cosine)))\" r=\"4\" fill=\"none\" "
            s += "stroke=\"\(CosineChart.color(entry.pair))\" stroke-width=\"2\"><title>"
            s += ReportText.html("#\(entry.rank) \(entry.nodeName) (\(report.label(entry.pair))): \(entry.reason)")
            s += "</title></circle>\n"
        }
        // Legend below the axis.
        var legendX = left
        let legendY = top + plotHeight + axisSpace + 14
        for pair in pairs {
            s += "<line x1=\"\(f(legendX))\" x2=\"\(f(legendX + 24))\" y1=\"\(f(legendY - 4))\" y2=\"\(f(legendY - 4))\" "
            s += "stroke=\"\(CosineChart.color(pair))\" stroke-width=\"2\"/>\n"
            s += "<text x=\"\(f(legendX + 30))\" y=\"\(f(legendY))\" class=\"legend\">\(ReportText.html(report.label(pair)))</text>\n"
            legendX += 150
        }
        s += "<circle cx=\"\(f(legendX + 12))\" cy=\"\(f(legendY - 4))\" r=\"4\" fill=\"none\" stroke=\"#333\" "
        s += "stroke-width=\"2\"/>\n<text x=\"\(f(legendX + 30))\" y=\"\(f(legendY))\" class=\"legend\">"
        s += "introduces error</text>\n"
        s += "</svg>\n"
        return s
    }
}

import Foundation

/// The selected layer in full: connections, attributes, quantization, all metrics, histogram, weight ranges.
enum DetailPaneView {
    static func draw(_ s: AppState, into grid: inout Grid, area: Rect, glyphs g: Glyphs) {
        guard area.width > 2, area.height > 0 else { return }
        let inner = Rect(x: area.x + 1, y: area.y, width: area.width - 1, height: area.height)
        lines(s, width: inner.width, glyphs: g).draw(into: &grid, area: inner, offset: s.detailScroll)
    }

    /// All lines of the pane for the selected layer; the pane shows a window of them.
    static func lines(_ s: AppState, width: Int, glyphs g: Glyphs) -> [StyledLine] {
        guard let layer = s.selectedLayer else { return [StyledLine("no layer selected", .dim)] }
        var out: [StyledLine] = []
        let suspicion = layer.suspicion(s.pair)
        var title: [(String, StyleRole)] = [("#\(layer.index) \(layer.name)", .title), ("  \(layer.op)", .accent)]
        if let suspicion { title.append(("  \(g.symbol(suspicion)) \(word(suspicion))", role(for: suspicion))) }
        out.append(StyledLine(title))
        // Without a placement: either the hybrid stage is not there yet, or it has no node of this name (the
        // graph passes folded the layer into a neighbour or removed it).
        let absent = s.stages[.hybrid] == .ready ? "not a layer of the hybrid graph" : "hybrid not built"
        var place = "runs on " + (layer.placement?.rawValue ?? "\(g.dash) (\(absent))") + "   output " + layer.outputShape
        if s.cpuFallback.contains(layer.index) { place += "   marked for CPU fallback" }
        out.append(StyledLine(place, .dim))
        if let note = layer.placementNote { out += wrap(note, width: width - 2).map { StyledLine("  " + $0, .dim) } }
        // A failed stage of the compared pair, in full: the header has room for the start of the reason only.
        for stage in [s.pair.reference, s.pair.candidate] {
            guard case .failed(let reason) = s.stages[stage] else { continue }
            out += wrap("\(stage.label) failed: \(reason)", width: width).map { StyledLine($0, .error) }
        }

        out.append(section("Inputs"))
        for (i, name) in layer.inputs.enumerated() where !name.isEmpty {
            let from = layer.producers.indices.contains(i) ? layer.producers[i] : nil
            let source: (String, StyleRole)
            if let shape = layer.constantShapes[name] { source = ("weight \(shape)", .dim) }
            else if let from { source = (describe(from, s), .accent) }
            else { source = ("graph input", .dim) }
            out.append(StyledLine([("  \(name) ", .normal), (g.leftArrow + " ", .dim), source]))
        }
        out.append(section("Outputs"))
        for name in layer.outputs where !name.isEmpty { out.append(StyledLine("  \(name)")) }
        if layer.consumers.isEmpty { out.append(StyledLine("  " + g.rightArrow + " graph output", .dim)) }
        for c in layer.consumers { out.append(StyledLine([("  " + g.rightArrow + " ", .dim), (describe(c, s), .accent)])) }

        if !layer.attributes.isEmpty {
            out.append(section("Attributes"))
            out += layer.attributes.map { StyledLine("  " + $0) }
        }
        out.append(section("Quantization"))
        out += quantLines(layer.quant, glyphs: g)
        out.append(section("Metrics (accumulated / isolated)"))
        out += MetricsTable.lines(layer, pairs: s.pairs, selected: s.pair, glyphs: g)
        out.append(section("Float activation"))
        out += HistogramView.lines(layer.histogram, width: width - 2, glyphs: g)
        if !layer.channelRanges.isEmpty {
            out.append(section("Weight range per output channel"))
            out += ChannelRangeView.lines(layer.channelRanges, width: width - 2, glyphs: g)
        }
        return out
    }

    static func section(_ title: String) -> StyledLine { StyledLine(title, .columnHeader) }

    /// Splits text at spaces into lines of at most `width` characters (a longer word gets a line of its own).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !line.isEmpty, line.count + 1 + word.count > max(width, 1) {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    static func word(_ s: Suspicion) -> String {
        switch s {
        case .warn: return "loss"
        case .fail: return "failed"
        case .dropPoint: return "drop point"
        }
    }

    /// "#3 conv1 (Conv)" for a layer, or a note for a graph input or weight.
    static func describe(_ layer: Int?, _ s: AppState) -> String {
        guard let i = layer, s.layers.indices.contains(i) else { return "?" }
        return "#\(i) \(s.layers[i].name) (\(s.layers[i].op))"
    }

    static func quantLines(_ q: QuantParams?, glyphs g: Glyphs) -> [StyledLine] {
        guard let q else { return [StyledLine("  \(g.dash) not computed yet", .dim)] }
        var out = [StyledLine("  output int\(q.bits): scale \(formatNumber(q.outputScale))  zero point \(q.outputZeroPoint)"),
                   StyledLine("  range [\(formatNumber(q.range.lowerBound)), \(formatNumber(q.range.upperBound))]")]
        if !q.weightScales.isEmpty {
            let lo = q.weightScales.min()!, hi = q.weightScales.max()!
            out.append(StyledLine("  weight scales (\(q.weightScales.count) channels) \(formatNumber(lo)) .. \(formatNumber(hi))"))
        }
        return out
    }
}

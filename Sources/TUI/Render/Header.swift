import Foundation

/// The three header lines: model and pair, calibration and samples, and the state of each stage.
enum HeaderView {
    static func draw(_ s: AppState, into grid: inout Grid, layout: Layout, glyphs g: Glyphs) {
        let w = grid.width
        grid.fill(layout.header, role: .header)
        let sep = " \(g.vertical) "
        let pairText = "pair \(s.pairIndex + 1): \(s.pair.label(arrow: g.pairArrow))"
        var x = grid.put(" qscope", x: 0, y: 0, role: .title)
        x += grid.put(sep + s.session.modelName, x: x, y: 0, role: .header, limit: max(0, w - x - DisplayWidth.of(pairText) - 20))
        x += grid.put(sep + "input " + s.session.inputShape, x: x, y: 0, role: .header)
        grid.put(sep + pairText, x: x, y: 0, role: .header)

        var calib = "calib \(s.session.calibration.rawValue) (\(s.session.perChannel ? "per-channel" : "per-tensor")"
        if !s.session.calibrationOptions.isEmpty { calib += ", " + s.session.calibrationOptions }
        calib += ")"
        let count: (Int?) -> String = { $0.map(String.init) ?? g.dash }
        var line1 = " " + calib + sep + "samples: calib \(count(s.session.calibrationSamples)), eval \(count(s.session.evalSamples))"
        if !s.cpuFallback.isEmpty { line1 += sep + "CPU fallback: \(s.cpuFallback.count)" }
        grid.put(line1, x: 0, y: 1, role: .header)

        x = 1
        let narrow = w < 110
        for stage in Stage.allCases {
            guard x < w else { break }
            // Short labels when narrow so all four stages fit.
            let label = narrow ? ["float", "opt", "quant", "hybrid"][stage.rawValue] : stage.label
            x += grid.put(label + " ", x: x, y: 2, role: .header)
            x += drawStatus(s.stages[stage] ?? .pending, into: &grid, x: x, glyphs: g, barWidth: narrow ? 5 : 8) + 2
        }
        grid.put(String(repeating: g.horizontal, count: w), x: 0, y: layout.headerRule, role: .border)
    }

    /// One stage's state: symbol and word, and for a computation a small bar and percentage.
    static func drawStatus(_ status: StageStatus, into grid: inout Grid, x: Int, glyphs g: Glyphs, barWidth: Int) -> Int {
        switch status {
        case .pending: return grid.put("\(g.pending) pending", x: x, y: 2, role: .dim)
        case .cancelled: return grid.put("\(g.pending) cancelled", x: x, y: 2, role: .dim)
        case .ready: return grid.put("\(g.ready) ready", x: x, y: 2, role: .ok)
        case .failed(let reason):
            // Short when narrow so the stages after it stay visible; the status line has the full reason.
            return grid.put("\(g.failedStage) failed: " + DisplayWidth.truncate(reason, to: barWidth < 8 ? 16 : 40, ellipsis: g.ellipsis),
                            x: x, y: 2, role: .fail)
        case .computing(let p, let note):
            var used = grid.put("\(g.computing) ", x: x, y: 2, role: .warn)
            used += grid.put(g.bar(p, width: barWidth), x: x + used, y: 2, role: .bar)
            var text = String(format: " %3d%%", Int((min(max(p, 0), 1) * 100).rounded()))
            let shortNote = DisplayWidth.truncate(note, to: 24, ellipsis: g.ellipsis)
            // The note only when it fits whole; a clipped fragment reads as noise.
            if !note.isEmpty, x + used + DisplayWidth.of(text) + 1 + DisplayWidth.of(shortNote) <= grid.width {
                text += " " + shortNote
            }
            used += grid.put(text, x: x + used, y: 2, role: .header)
            return used
        }
    }
}

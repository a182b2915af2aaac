/// The `?` screen: every key binding by section, then what each metric and symbol means.
enum HelpView {
    static func draw(_ s: AppState, into grid: inout Grid, area: Rect, glyphs g: Glyphs) {
        let inner = Rect(x: area.x + 2, y: area.y, width: area.width - 2, height: area.height)
        lines(glyphs: g, unicode: s.unicode).draw(into: &grid, area: inner, offset: s.helpScroll)
    }

    static func lines(glyphs g: Glyphs, unicode: Bool) -> [StyledLine] {
        var out = [StyledLine("qscope keys", .title)]
        var section = ""
        for b in KeyBindings.all {
            if b.section != section {
                section = b.section
                out.append(StyledLine(section, .columnHeader))
            }
            out.append(StyledLine([("  " + DisplayWidth.pad(KeyBindings.label(b.label, unicode: unicode), to: 10), .key),
                                   (b.description, .normal)]))
        }
        out.append(.blank)
        out.append(StyledLine("Metrics (reference a, candidate b, same tensor in two stages)", .title))
        for (name, text) in metricDefinitions {
            out.append(StyledLine([("  " + DisplayWidth.pad(name, to: 12), .key), (text, .normal)]))
        }
        out.append(.blank)
        out.append(StyledLine("Symbols", .title))
        out.append(StyledLine([("  \(g.warn)  ", .warn), ("warn: cosine below warn_threshold (0.99), a loss inherited from upstream", .normal)]))
        out.append(StyledLine([("  \(g.fail)  ", .fail), ("fail: cosine below fail_threshold (0.8), a loss inherited from upstream", .normal)]))
        out.append(StyledLine([("  \(g.dropPoint)  ", .fail), ("introduces the loss: a drop point or a high isolated error", .normal)]))
        out.append(StyledLine([("     ", .normal), ("the suspicious layers of the compared pair, as qscope analyze ranks them", .dim)]))
        out.append(StyledLine([("  \(g.dash)  ", .dim), ("not computed yet", .normal)]))
        out.append(StyledLine([("  \(g.full)\(g.full)\(g.full) ", .bar), ("cosine bar: its number of nines, half at 0.99, full at 0.9999", .normal)]))
        out.append(StyledLine([("  ACC ", .acc), ("runs in int8 on the accelerator;  ", .normal), ("CPU ", .cpu),
                               ("runs in float on the CPU;  ", .normal), ("CPU* ", .marked), ("marked by you (x)", .normal)]))
        return out
    }

    static let metricDefinitions: [(String, String)] = [
        ("cosine", "a·b / (|a| |b|); 1 means the same direction"),
        ("rel L2", "|a - b| / |a|, the error relative to the signal"),
        ("max|e|", "largest absolute difference of one element"),
        ("MSE", "mean of (a - b)^2"),
        ("SQNR dB", "10 log10(sum a^2 / sum (a - b)^2); higher is better"),
        ("accumulated", "the candidate stage run end to end: includes all error from upstream"),
        ("isolated", "only this layer changed, fed the reference inputs: the error it adds"),
    ]
}

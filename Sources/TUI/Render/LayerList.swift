import Foundation

/// The layer table: suspicion symbol, index, name, op, placement, output shape, cosine and its bar.
enum LayerListView {
    /// Column widths for a list width; the shape and the bar are dropped first when space is short.
    struct Columns {
        var index = 4, op = 10, on = 4, shape = 11, cosine = 7, bar = 8, name = 10
        init(width: Int) {
            // symbol, space, index, space, name, space, op, space, on, [space shape], space cosine, [space bar]
            var fixed = 2 + index + 1 + 1 + op + 1 + on + 1 + cosine
            if width - fixed - 1 - bar < 16 { bar = 0 } else { fixed += 1 + bar }
            if width - fixed - 1 - shape < 16 { shape = 0 } else { fixed += 1 + shape }
            name = max(4, width - fixed)
        }
    }

    static func draw(_ s: AppState, into grid: inout Grid, area: Rect, glyphs g: Glyphs) {
        guard area.height > 0 else { return }
        let c = Columns(width: area.width)
        let title = row(c, index: "#", name: "name", op: "op", on: "ON", shape: "shape", cosine: "cosine",
                        ellipsis: g.ellipsis) + (c.bar > 0 ? " " + DisplayWidth.pad("", to: c.bar) : "")
        let titleRole: StyleRole = s.focus == .list ? .focusBorder : .columnHeader
        grid.fill(Rect(x: area.x, y: area.y, width: area.width, height: 1), role: titleRole)
        grid.put("  " + title, x: area.x, y: area.y, role: titleRole, limit: area.width)
        if s.order.isEmpty {
            grid.put(s.filterSuspicious ? "  no suspicious layer (f shows all)" : "  no layers", x: area.x,
                     y: area.y + 1, role: .dim, limit: area.width)
            return
        }
        let rows = max(0, area.height - 1)
        let first = min(max(0, s.scroll), max(0, s.order.count - 1))
        for r in first..<min(s.order.count, first + rows) {
            drawRow(s, layer: s.layers[s.order[r]], columns: c, selected: r == s.cursor,
                    into: &grid, x: area.x, y: area.y + 1 + r - first, width: area.width, glyphs: g)
        }
    }

    static func row(_ c: Columns, index: String, name: String, op: String, on: String, shape: String,
                    cosine: String, ellipsis: String) -> String {
        var t = DisplayWidth.pad(index, to: c.index, right: true) + " "
        t += DisplayWidth.pad(name, to: c.name, ellipsis: ellipsis) + " "
        t += DisplayWidth.pad(op, to: c.op, ellipsis: ellipsis) + " "
        t += DisplayWidth.pad(on, to: c.on)
        if c.shape > 0 { t += " " + DisplayWidth.pad(shape, to: c.shape, ellipsis: ellipsis) }
        t += " " + DisplayWidth.pad(cosine, to: c.cosine, right: true)
        return t
    }

    static func drawRow(_ s: AppState, layer: LayerInfo, columns c: Columns, selected: Bool,
                        into grid: inout Grid, x: Int, y: Int, width: Int, glyphs g: Glyphs) {
        let pair = s.pair
        let cosine = layer.cosine(pair)
        let suspicion = layer.suspicion(pair)
        let marked = s.cpuFallback.contains(layer.index)
        let on = marked ? "CPU*" : layer.placement?.rawValue ?? g.dash
        let cosText = cosine.map { String(format: "%.4f", $0) } ?? g.dash

        var col = x
        col += grid.put(g.symbol(suspicion), x: col, y: y, role: role(for: suspicion), limit: 1)
        col += grid.put(" " + DisplayWidth.pad(String(layer.index), to: c.index, right: true) + " ", x: col, y: y, role: .dim)
        col += grid.put(DisplayWidth.pad(layer.name, to: c.name, ellipsis: g.ellipsis) + " ", x: col, y: y, role: .normal)
        col += grid.put(DisplayWidth.pad(layer.op, to: c.op, ellipsis: g.ellipsis) + " ", x: col, y: y, role: .accent)
        let onRole: StyleRole = marked ? .marked : layer.placement == .cpu ? .cpu : layer.placement == .acc ? .acc : .dim
        col += grid.put(DisplayWidth.pad(on, to: c.on), x: col, y: y, role: onRole)
        if c.shape > 0 {
            col += grid.put(" " + DisplayWidth.pad(layer.outputShape, to: c.shape, ellipsis: g.ellipsis), x: col, y: y, role: .dim)
        }
        let valueRole: StyleRole = cosine == nil ? .dim : role(for: suspicion)
        col += grid.put(" " + DisplayWidth.pad(cosText, to: c.cosine, right: true), x: col, y: y, role: valueRole)
        if c.bar > 0 {
            col += grid.put(" ", x: col, y: y)
            if let cosine { grid.put(g.bar(cosineBarFraction(cosine), width: c.bar), x: col, y: y, role: suspicion == nil ? .bar : valueRole) }
        }
        if selected {
            // The whole row in the selection style; the symbol column keeps its meaning as a character.
            grid.restyle(Rect(x: x, y: y, width: width, height: 1), role: .selectedRow)
        }
    }
}

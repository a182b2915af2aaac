/// The status line (prompt, message or position) and the key hints generated from the key table.
enum FooterView {
    static func draw(_ s: AppState, into grid: inout Grid, layout: Layout, glyphs g: Glyphs) {
        let y = layout.status.y, w = grid.width
        if let prompt = s.prompt {
            grid.fill(layout.status, role: .prompt)
            drawPrompt(prompt, s, into: &grid, y: y, width: w, glyphs: g)
        } else if let m = s.message {
            grid.put(" " + m, x: 0, y: y, role: s.messageIsError ? .error : .message, limit: w)
        } else {
            grid.put(" " + position(s), x: 0, y: y, role: .dim, limit: w)
        }
        drawHints(hints(s), into: &grid, y: layout.footer.y, width: w, unicode: s.unicode)
    }

    static func position(_ s: AppState) -> String {
        var parts = ["layer \(s.order.isEmpty ? 0 : s.cursor + 1)/\(s.order.count)"]
        if s.order.count != s.layers.count { parts.append("\(s.layers.count - s.order.count) hidden") }
        parts.append(s.sortByCosine ? "sorted by cosine" : "graph order")
        if s.filterSuspicious { parts.append("suspicious only") }
        if !s.history.isEmpty { parts.append("back: \(s.history.count)") }
        return parts.joined(separator: "  ")
    }

    /// The hints for the current mode: the key table normally, the prompt's own keys while one is open.
    static func hints(_ s: AppState) -> [(keys: String, text: String)] {
        switch s.prompt {
        case .search?: return [("⏎", "keep"), ("Esc", "cancel")]
        case .export?: return [("Tab", "format"), ("⏎", "next"), ("Esc", "cancel")]
        case .confirmExport?: return [("y", "write"), ("n/Esc", "cancel")]
        case .pick?: return [("↑↓", "choose"), ("⏎", "go"), ("1-9", "pick"), ("Esc", "cancel")]
        case nil:
            if s.showHelp { return [("↑↓", "scroll"), ("?/Esc", "close")] }
            return KeyBindings.hints
        }
    }

    /// Keys that stay visible however narrow the terminal: drawn at the right end first.
    static let pinned: Set<String> = ["?", "q"]

    static func drawHints(_ hints: [(keys: String, text: String)], into grid: inout Grid, y: Int, width: Int, unicode: Bool) {
        let right = hints.filter { pinned.contains($0.keys) }
        var end = width + 1
        for h in right.reversed() {
            let text = h.keys + " " + h.text + "  "
            end -= DisplayWidth.of(text)
            let x = end + grid.put(h.keys, x: end, y: y, role: .key)
            grid.put(" " + h.text, x: x, y: y, role: .dim)
        }
        var x = 1
        for h in hints where !pinned.contains(h.keys) {
            let keys = KeyBindings.label(h.keys, unicode: unicode)
            if x + DisplayWidth.of(keys) + 1 + DisplayWidth.of(h.text) + 2 > end { break }
            x += grid.put(keys, x: x, y: y, role: .key)
            x += grid.put(" " + h.text + "  ", x: x, y: y, role: .dim)
        }
    }

    static func drawPrompt(_ p: Prompt, _ s: AppState, into grid: inout Grid, y: Int, width: Int, glyphs g: Glyphs) {
        let cursor = g.full == "█" ? "▏" : "_"
        switch p {
        case .search(let text, _):
            grid.put(" / search name or op: " + text + cursor, x: 0, y: y, role: .prompt, limit: width)
        case .export(let format, let path):
            var x = grid.put(" export  format: ", x: 0, y: y, role: .prompt)
            for f in ExportFormat.allCases {
                x += grid.put(f == format ? "[\(f.rawValue)]" : " \(f.rawValue) ", x: x, y: y, role: f == format ? .selectedRow : .prompt)
            }
            grid.put("  path: " + path + cursor, x: x, y: y, role: .prompt, limit: width - x)
        case .confirmExport(let format, let path):
            grid.put(" write the \(format.rawValue.uppercased()) report to \(path)? (y/n)", x: 0, y: y, role: .prompt, limit: width)
        case .pick(let producers, let choices, let c):
            var x = grid.put(producers ? " producer: " : " consumer: ", x: 0, y: y, role: .prompt)
            for (i, layer) in choices.enumerated() where x < width {
                let text = " \(i + 1) #\(layer) \(s.layers.indices.contains(layer) ? s.layers[layer].name : "?") "
                x += grid.put(text, x: x, y: y, role: i == c ? .selectedRow : .prompt, limit: width - x)
            }
        }
    }
}

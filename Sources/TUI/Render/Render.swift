/// Draws the whole screen for a state. Pure: the same state always gives the same grid, so it is tested as
/// text. Only the visible rows of the list are visited, so the cost does not grow with the model.
public func render(_ state: AppState, width: Int, height: Int) -> Grid {
    var grid = Grid(width: width, height: height)
    let layout = Layout(width: width, height: height)
    let g = Glyphs.forState(state)
    if layout.tooSmall {
        TooSmall.draw(into: &grid, glyphs: g)
        return grid
    }
    HeaderView.draw(state, into: &grid, layout: layout, glyphs: g)
    if state.showHelp {
        HelpView.draw(state, into: &grid, area: Rect(x: 0, y: layout.list.y, width: width,
                                                      height: layout.status.y - layout.list.y), glyphs: g)
    } else {
        LayerListView.draw(state, into: &grid, area: layout.list, glyphs: g)
        let dividerRole: StyleRole = .border
        if layout.sideBySide {
            for y in layout.divider.y..<layout.divider.maxY {
                grid.put(g.vertical, x: layout.divider.x, y: y, role: dividerRole)
            }
        } else {
            grid.put(String(repeating: g.horizontal, count: width), x: 0, y: layout.divider.y, role: dividerRole)
            let title = " detail "
            grid.put(title, x: 2, y: layout.divider.y, role: state.focus == .detail ? .focusBorder : .border)
        }
        DetailPaneView.draw(state, into: &grid, area: layout.detail, glyphs: g)
    }
    FooterView.draw(state, into: &grid, layout: layout, glyphs: g)
    return grid
}

/// Draws the state at its own recorded terminal size.
public func render(_ state: AppState) -> Grid { render(state, width: state.width, height: state.height) }

/// The screen shown when the terminal is below the minimum size.
enum TooSmall {
    static func draw(into grid: inout Grid, glyphs: Glyphs) {
        let lines = ["terminal too small",
                     "need \(Layout.minWidth)x\(Layout.minHeight), have \(grid.width)x\(grid.height)",
                     "q quits"]
        let top = max(0, grid.height / 2 - 1)
        for (i, line) in lines.enumerated() {
            let x = max(0, (grid.width - DisplayWidth.of(line)) / 2)
            grid.put(line, x: x, y: top + i, role: i == 0 ? .error : .normal)
        }
    }
}

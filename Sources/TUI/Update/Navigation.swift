/// Cursor, scroll and history moves. All keep the cursor inside the list and on screen.
extension AppState {
    var layout: Layout { Layout(width: width, height: height) }

    /// Moves the cursor to a row and scrolls it into view; the detail pane starts at its top again.
    mutating func moveCursor(to row: Int) {
        guard !order.isEmpty else { cursor = 0; scroll = 0; return }
        let clamped = min(max(0, row), order.count - 1)
        if clamped != cursor { detailScroll = 0 }
        cursor = clamped
        keepCursorVisible()
    }

    /// Scrolls the least needed so the cursor row is visible, and never past the end.
    mutating func keepCursorVisible() {
        let rows = layout.listRows
        if cursor < scroll { scroll = cursor }
        if cursor >= scroll + rows { scroll = cursor - rows + 1 }
        scroll = min(max(0, scroll), max(0, order.count - rows))
    }

    /// Selects a layer, turning the filter off when it hides the layer. Returns false if it does not exist.
    @discardableResult
    mutating func select(layer: Int, remember: Bool) -> Bool {
        guard layers.indices.contains(layer) else { return false }
        if row(of: layer) == nil, filterSuspicious {
            filterSuspicious = false
            refreshOrder()
            message = "filter off to show \(layers[layer].name)"
            messageIsError = false
        }
        guard let r = row(of: layer) else { return false }
        if remember, let current = selected, current != layer { history.append(current) }
        moveCursor(to: r)
        return true
    }

    /// Jumps to the next (or previous) row whose layer satisfies `test`, wrapping around.
    mutating func jump(forward: Bool, where test: (Int) -> Bool) -> Bool {
        let n = order.count
        guard n > 0 else { return false }
        for step in 1...n {
            let r = ((cursor + (forward ? step : -step)) % n + n) % n
            if test(order[r]) { moveCursor(to: r); return true }
        }
        return false
    }

    /// Rows of the detail pane at the current size, for paging it.
    var detailRows: Int { max(1, layout.detail.height) }

    /// Scrolls the detail pane, never past its last line (so scrolling back responds at once).
    mutating func scrollDetail(by delta: Int) {
        let l = layout
        let count = DetailPaneView.lines(self, width: max(1, l.detail.width - 1), glyphs: Glyphs.forState(self)).count
        detailScroll = min(max(0, detailScroll + delta), max(0, count - l.detail.height))
    }

    /// Scrolls the help screen within its length.
    mutating func scrollHelp(by delta: Int) {
        let l = layout
        let count = HelpView.lines(glyphs: Glyphs.forState(self), unicode: unicode).count
        helpScroll = min(max(0, helpScroll + delta), max(0, count - (l.status.y - l.list.y)))
    }

    mutating func say(_ text: String, error: Bool = false) {
        message = text
        messageIsError = error
    }
}

/// A line of text made of differently styled pieces, the unit the detail and help panes are built from.
struct StyledLine: Equatable {
    var pieces: [(text: String, role: StyleRole)]

    init(_ pieces: [(String, StyleRole)]) { self.pieces = pieces.map { (text: $0.0, role: $0.1) } }
    init(_ text: String, _ role: StyleRole = .normal) { self.init([(text, role)]) }
    static let blank = StyledLine("")

    static func == (a: StyledLine, b: StyledLine) -> Bool {
        a.pieces.count == b.pieces.count && zip(a.pieces, b.pieces).allSatisfy { $0.text == $1.text && $0.role == $1.role }
    }

    /// Draws the pieces from (x, y), clipped to `width` columns.
    func draw(into grid: inout Grid, x: Int, y: Int, width: Int) {
        var col = 0
        for p in pieces where col < width {
            col += grid.put(p.text, x: x + col, y: y, role: p.role, limit: width - col)
        }
    }
}

extension Array where Element == StyledLine {
    /// Draws lines starting at `offset` into an area; returns the offset actually used after clamping.
    @discardableResult
    func draw(into grid: inout Grid, area: Rect, offset: Int) -> Int {
        let start = Swift.min(Swift.max(0, offset), Swift.max(0, count - area.height))
        for i in 0..<Swift.min(area.height, Swift.max(0, count - start)) {
            self[start + i].draw(into: &grid, x: area.x, y: area.y + i, width: area.width)
        }
        return start
    }
}

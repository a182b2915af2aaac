/// One terminal cell: a character and the role that styles it.
public struct Cell: Equatable, Sendable {
    public var char: Character
    public var role: StyleRole
    /// The right half of a double-width character written in the cell to the left; terminals draw nothing here.
    public var isContinuation: Bool

    public init(_ char: Character, _ role: StyleRole = .normal, isContinuation: Bool = false) {
        self.char = char
        self.role = role
        self.isContinuation = isContinuation
    }

    public static let blank = Cell(" ")
}

/// A rectangle of cells, addressed by column `x` and row `y`.
public struct Rect: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = max(0, width); self.height = max(0, height)
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
}

/// A frame of the screen as plain data: what `render` produces and the terminal adapter copies out.
public struct Grid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` from (x, y), clipped to `limit` columns (and the grid); returns the columns used.
    /// Double-width characters take two cells; one that would straddle the limit is replaced by a space.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: StyleRole = .normal, limit: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let end = min(width, x + (limit ?? width))
        var col = x
        for ch in text {
            let w = DisplayWidth.of(ch)
            if w == 0 { continue }
            if col + w > end {
                if col < end, col >= 0 { self[col, y] = Cell(" ", role) ; col += 1 }
                break
            }
            if col >= 0 {
                self[col, y] = Cell(ch, role)
                if w == 2 { self[col + 1, y] = Cell(" ", role, isContinuation: true) }
            }
            col += w
        }
        return col - x
    }

    /// Fills a rectangle with one character and role.
    public mutating func fill(_ rect: Rect, _ char: Character = " ", role: StyleRole = .normal) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y] = Cell(char, role) }
        }
    }

    /// Changes the role of every cell in a rectangle, keeping the characters (e.g. to highlight a row).
    public mutating func restyle(_ rect: Rect, role: StyleRole) {
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { self[x, y].role = role }
        }
    }

    /// One row as text (continuation cells dropped), trailing spaces kept.
    public func rowText(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].isContinuation { s.append(self[x, y].char) }
        return s
    }

    /// The whole grid as text, trailing spaces trimmed: the body of a snapshot.
    public var text: String {
        (0..<height).map { rowText($0).trimmingTrailingSpaces() }.joined(separator: "\n")
    }

    /// One role code per cell, the second half of a snapshot.
    public var styleMap: String {
        (0..<height).map { y in String((0..<width).map { self[$0, y].role.code }) }.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// Terminal column widths of characters, enough for names and the glyphs qscope draws.
public enum DisplayWidth {
    /// 0 for combining marks and controls, 2 for East Asian wide characters and emoji, else 1.
    public static func of(_ ch: Character) -> Int {
        guard let v = ch.unicodeScalars.first?.value else { return 0 }
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if (0x0300...0x036F).contains(v) || v == 0x200B { return 0 }
        if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v) {
            return 2
        }
        return 1
    }

    /// Columns a string takes.
    public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }

    /// `s` cut to `width` columns, ending in `ellipsis` when cut.
    public static func truncate(_ s: String, to width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if of(s) <= width { return s }
        let budget = width - of(ellipsis)
        var out = "", used = 0
        for ch in s {
            let w = of(ch)
            if used + w > budget { break }
            out.append(ch); used += w
        }
        return out + (budget >= 0 ? ellipsis : "")
    }

    /// `s` padded with spaces (or cut) to exactly `width` columns; `right` aligns to the right.
    public static func pad(_ s: String, to width: Int, right: Bool = false, ellipsis: String = "…") -> String {
        let t = truncate(s, to: width, ellipsis: ellipsis)
        let gap = String(repeating: " ", count: max(0, width - of(t)))
        return right ? gap + t : t + gap
    }
}

/// How one role looks: colours as xterm-256 indices (nil = the terminal's default) and attributes.
public struct RoleStyle: Equatable, Sendable {
    public var foreground: Int?
    public var background: Int?
    public var bold = false
    public var dim = false
    public var underline = false
    public var reverse = false

    public init(foreground: Int? = nil, background: Int? = nil, bold: Bool = false, dim: Bool = false,
                underline: Bool = false, reverse: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.underline = underline
        self.reverse = reverse
    }
}

/// A colour theme: a style per role. Roles a theme leaves out look like `normal`.
public struct Theme: Equatable, Sendable {
    public var name: String
    public var styles: [StyleRole: RoleStyle]

    public init(name: String, styles: [StyleRole: RoleStyle]) {
        self.name = name
        self.styles = styles
    }

    /// The style of a role in colour.
    public func style(_ role: StyleRole) -> RoleStyle { styles[role] ?? styles[.normal] ?? RoleStyle() }

    /// The style of a role without colour (NO_COLOR, or a terminal without colours): the theme's attributes
    /// plus the ones that keep the meaning readable, e.g. the selection in reverse video.
    public func monochrome(_ role: StyleRole) -> RoleStyle {
        var s = style(role)
        s.foreground = nil
        s.background = nil
        switch role {
        case .selectedRow, .prompt: s.reverse = true
        case .title, .key, .focusBorder, .warn, .marked, .error: s.bold = true
        case .fail: s.bold = true; s.underline = true
        case .columnHeader: s.underline = true
        case .dim, .barEmpty, .border: s.dim = true
        default: break
        }
        return s
    }
}

/// The colour arithmetic the terminal adapter needs.
public enum TerminalColor {
    /// The nearest of the 8 basic colours for an xterm-256 index, for terminals with only 8.
    public static func basic(_ c: Int) -> Int {
        switch c {
        case 0..<8: return c
        case 8..<16: return c - 8
        case 16..<232:
            let v = c - 16
            let r = v / 36, g = (v / 6) % 6, b = v % 6
            let hi = max(r, g, b), lo = min(r, g, b)
            if hi - lo <= 1 { return hi >= 3 ? 7 : 0 }           // greyish
            let bit = { (x: Int) in x * 2 > hi + lo ? 1 : 0 }     // channels near the top count as on
            return bit(r) | bit(g) << 1 | bit(b) << 2
        default: return c >= 244 ? 7 : 0                           // grey ramp
        }
    }

    /// The xterm-256 index nearest to an RGB colour (cube or grey ramp).
    public static func index(red: Int, green: Int, blue: Int) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func nearest(_ v: Int) -> Int { levels.indices.min { abs(levels[$0] - v) < abs(levels[$1] - v) }! }
        let (r, g, b) = (nearest(red), nearest(green), nearest(blue))
        let cube = 16 + 36 * r + 6 * g + b
        let cubeError = [(levels[r], red), (levels[g], green), (levels[b], blue)].reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let grey = min(23, max(0, ((red + green + blue) / 3 - 8) / 10))
        let gv = 8 + grey * 10
        let greyError = (gv - red) * (gv - red) + (gv - green) * (gv - green) + (gv - blue) * (gv - blue)
        return greyError < cubeError ? 232 + grey : cube
    }
}

import Foundation

/// Reads theme files: one `[role]` table per style role with `fg`, `bg` and `attrs`, e.g.
///
///     name = "dark"
///     [selectedRow]
///     fg = 231          # xterm-256 index, a colour name or "#rrggbb"
///     bg = "navy"
///     attrs = ["bold"]  # bold, dim, underline, reverse
extension Theme {
    /// Loads a theme file; errors name the file and line.
    public static func load(path: String) throws -> Theme {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TOMLError(file: path, line: 0, "cannot read the theme file (missing or unreadable)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TOMLError(file: path, line: 0, "the theme file is not UTF-8 text")
        }
        let fallback = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(text, file: path, defaultName: fallback)
    }

    /// Parses theme text; `file` is only used in messages.
    public static func parse(_ text: String, file: String, defaultName: String = "theme") throws -> Theme {
        let doc = try TOMLDocument.parse(text, file: file)
        var name = defaultName
        for (key, entry) in doc.tables[""] ?? [:] {
            guard key == "name" else { throw TOMLError(file: file, line: entry.line, "unknown key '\(key)' (only 'name' goes before the first [role])") }
            guard case .string(let s) = entry.value else { throw TOMLError(file: file, line: entry.line, "'name' should be a string") }
            name = s
        }
        var styles: [StyleRole: RoleStyle] = [:]
        for (table, line) in doc.tableOrder {
            guard let role = StyleRole(rawValue: table) else {
                let known = StyleRole.allCases.map(\.rawValue).joined(separator: ", ")
                throw TOMLError(file: file, line: line, "unknown role [\(table)]; roles are: \(known)")
            }
            styles[role] = try roleStyle(doc.tables[table] ?? [:], file: file)
        }
        return Theme(name: name, styles: styles)
    }

    static func roleStyle(_ keys: [String: TOMLEntry], file: String) throws -> RoleStyle {
        var s = RoleStyle()
        for (key, entry) in keys.sorted(by: { $0.value.line < $1.value.line }) {
            let fail = { (m: String) in TOMLError(file: file, line: entry.line, m) }
            switch key {
            case "fg": s.foreground = try color(entry.value, fail)
            case "bg": s.background = try color(entry.value, fail)
            case "attrs":
                guard case .array(let items) = entry.value else { throw fail("'attrs' should be a list, e.g. [\"bold\"]") }
                for item in items {
                    switch item {
                    case .string("bold"): s.bold = true
                    case .string("dim"): s.dim = true
                    case .string("underline"): s.underline = true
                    case .string("reverse"): s.reverse = true
                    default: throw fail("unknown attribute \(item) in 'attrs'; use bold, dim, underline, reverse")
                    }
                }
            default: throw fail("unknown key '\(key)'; a role takes fg, bg and attrs")
            }
        }
        return s
    }

    static let colorNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// An xterm-256 index from a number, a basic or "bright-" colour name, "#rrggbb", or nil for "default".
    static func color(_ v: TOMLValue, _ fail: (String) -> TOMLError) throws -> Int? {
        switch v {
        case .integer(let n):
            guard (0...255).contains(n) else { throw fail("colour \(n) is out of range: use 0-255") }
            return n
        case .string(let s):
            let lower = s.lowercased()
            if lower == "default" { return nil }
            if let i = colorNames.firstIndex(of: lower) { return i }
            if lower.hasPrefix("bright-"), let i = colorNames.firstIndex(of: String(lower.dropFirst(7))) { return i + 8 }
            if lower.hasPrefix("#"), lower.count == 7, let rgb = Int(lower.dropFirst(), radix: 16) {
                return TerminalColor.index(red: rgb >> 16, green: (rgb >> 8) & 255, blue: rgb & 255)
            }
            throw fail("unknown colour \"\(s)\"; use 0-255, a name (\(colorNames.joined(separator: ", ")), bright-…), \"#rrggbb\" or \"default\"")
        default:
            throw fail("a colour should be a number 0-255 or a string, not \(v.typeName)")
        }
    }
}

import Foundation

/// The themes `t` cycles through: the built-ins, plus a user file given with `--theme` (first, so it is used).
public struct ThemeSet: Sendable {
    public var themes: [Theme]

    /// The built-in themes; a built-in that fails to parse (a bug caught by the tests) is skipped.
    public static var builtIn: [Theme] {
        let parsed = Theme.builtInSources.compactMap { try? Theme.parse($0.toml, file: "themes/\($0.name).toml", defaultName: $0.name) }
        return parsed.isEmpty ? [Theme(name: "plain", styles: [:])] : parsed
    }

    /// Built-ins, with the theme at `userFile` in front when given; a broken file throws a `TOMLError`
    /// naming file and line.
    public init(userFile: String? = nil) throws {
        var list = Self.builtIn
        if let path = userFile {
            let theme = try Theme.load(path: path)
            list.removeAll { $0.name == theme.name }
            list.insert(theme, at: 0)
        }
        themes = list
    }

    public init(themes: [Theme]) { self.themes = themes.isEmpty ? Self.builtIn : themes }

    /// The theme for a state's theme index, wrapping.
    public func theme(at index: Int) -> Theme { themes[((index % themes.count) + themes.count) % themes.count] }
}

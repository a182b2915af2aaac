/// What a cell means, not how it looks. The theme maps each role to colours and attributes when the grid is
/// written to the terminal, so rendering stays independent of colours and testable as text.
public enum StyleRole: String, CaseIterable, Sendable {
    case normal, header, title, border, focusBorder, columnHeader
    case selectedRow, dim, accent, ok, warn, fail, bar, barEmpty
    case acc, cpu, marked, prompt, message, error, help, key

    /// One letter per role, used by the style map of text snapshots.
    public var code: Character {
        switch self {
        case .normal: return "."
        case .header: return "H"
        case .title: return "T"
        case .border: return "b"
        case .focusBorder: return "B"
        case .columnHeader: return "C"
        case .selectedRow: return "S"
        case .dim: return "d"
        case .accent: return "a"
        case .ok: return "o"
        case .warn: return "w"
        case .fail: return "f"
        case .bar: return "#"
        case .barEmpty: return "_"
        case .acc: return "A"
        case .cpu: return "P"
        case .marked: return "m"
        case .prompt: return "p"
        case .message: return "M"
        case .error: return "E"
        case .help: return "h"
        case .key: return "k"
        }
    }
}

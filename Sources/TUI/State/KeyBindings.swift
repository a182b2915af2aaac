import Foundation

/// What a key does. `update` dispatches on these; the key table maps keys to them.
public enum Action: Hashable, Sendable {
    case up, down, pageUp, pageDown, top, bottom
    case followConsumer, back, pickProducer, pickConsumer
    case search, nextSuspicious, previousSuspicious
    case toggleSort, toggleFilter, selectPair(Int), switchPane
    case cycleCalibration, togglePerChannel, markFallback
    case export, cycleTheme, help, quit, cancel
}

/// One row of the key table: the keys, how they are written, what they do.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    /// The keys as shown to the user, e.g. "j/↓".
    public var label: String
    /// Short text for the footer; nil keeps the binding out of the footer.
    public var hint: String?
    /// The sentence in the help screen.
    public var description: String
    public var action: Action
    /// Help screen section.
    public var section: String
}

/// The key table. The footer hints and the help screen are generated from it, so they cannot drift.
public enum KeyBindings {
    public static let all: [KeyBinding] = [
        .init(keys: [.down, .char("j")], label: "j/↓", hint: nil, description: "select the next layer", action: .down, section: "Move"),
        .init(keys: [.up, .char("k")], label: "k/↑", hint: nil, description: "select the previous layer", action: .up, section: "Move"),
        .init(keys: [.pageDown, .char(" ")], label: "PgDn", hint: nil, description: "one page down", action: .pageDown, section: "Move"),
        .init(keys: [.pageUp], label: "PgUp", hint: nil, description: "one page up", action: .pageUp, section: "Move"),
        .init(keys: [.char("g"), .home], label: "g", hint: nil, description: "first layer", action: .top, section: "Move"),
        .init(keys: [.char("G"), .end], label: "G", hint: nil, description: "last layer", action: .bottom, section: "Move"),
        .init(keys: [.enter, .right], label: "⏎/→", hint: "follow", description: "follow the output to a consumer", action: .followConsumer, section: "Graph"),
        .init(keys: [.left], label: "←", hint: "back", description: "go back to the layer you came from", action: .back, section: "Graph"),
        .init(keys: [.char("i")], label: "i", hint: nil, description: "pick one of the producers (inputs)", action: .pickProducer, section: "Graph"),
        .init(keys: [.char("o")], label: "o", hint: nil, description: "pick one of the consumers (outputs)", action: .pickConsumer, section: "Graph"),
        .init(keys: [.char("/")], label: "/", hint: "search", description: "search layers by name or op type", action: .search, section: "Find"),
        .init(keys: [.char("n")], label: "n", hint: "next bad", description: "next suspicious layer", action: .nextSuspicious, section: "Find"),
        .init(keys: [.char("N")], label: "N", hint: nil, description: "previous suspicious layer", action: .previousSuspicious, section: "Find"),
        .init(keys: [.char("s")], label: "s", hint: "sort", description: "sort by cosine (worst first) / graph order", action: .toggleSort, section: "Find"),
        .init(keys: [.char("f")], label: "f", hint: "filter", description: "show only suspicious layers / all", action: .toggleFilter, section: "Find"),
        .init(keys: [.char("1")], label: "1", hint: nil, description: "compare float with optimized float", action: .selectPair(0), section: "Compare"),
        .init(keys: [.char("2")], label: "2", hint: "pair", description: "compare float with quantized", action: .selectPair(1), section: "Compare"),
        .init(keys: [.char("3")], label: "3", hint: nil, description: "compare quantized with hybrid", action: .selectPair(2), section: "Compare"),
        .init(keys: [.char("4")], label: "4", hint: nil, description: "compare float with hybrid", action: .selectPair(3), section: "Compare"),
        .init(keys: [.tab], label: "Tab", hint: "pane", description: "move the focus between list and detail", action: .switchPane, section: "Compare"),
        .init(keys: [.char("c")], label: "c", hint: "calib", description: "next calibration method: max, kl, percentile, mse, auto (recomputes)", action: .cycleCalibration, section: "Quantize"),
        .init(keys: [.char("p")], label: "p", hint: nil, description: "per-channel / per-tensor weights (recomputes)", action: .togglePerChannel, section: "Quantize"),
        .init(keys: [.char("x")], label: "x", hint: "cpu", description: "mark / unmark the layer to run in float on the CPU (recomputes)", action: .markFallback, section: "Quantize"),
        .init(keys: [.char("e")], label: "e", hint: "export", description: "export a report (asks format and path)", action: .export, section: "Other"),
        .init(keys: [.char("t")], label: "t", hint: nil, description: "next colour theme", action: .cycleTheme, section: "Other"),
        .init(keys: [.escape], label: "Esc", hint: nil, description: "cancel the prompt or the running computation", action: .cancel, section: "Other"),
        .init(keys: [.char("?"), .function(1)], label: "?", hint: "help", description: "this help", action: .help, section: "Other"),
        .init(keys: [.char("q")], label: "q", hint: "quit", description: "quit", action: .quit, section: "Other"),
    ]

    private static let byKey: [Key: Action] = {
        var map: [Key: Action] = [:]
        for b in all { for k in b.keys where map[k] == nil { map[k] = b.action } }
        return map
    }()

    /// The action bound to a key, if any.
    public static func action(for key: Key) -> Action? { byKey[key] }

    /// Footer hints in table order, e.g. [("/", "search"), ...].
    public static var hints: [(keys: String, text: String)] {
        all.compactMap { b in b.hint.map { (b.label, $0) } }
    }

    /// Key labels with ASCII replacements for terminals without UTF-8.
    public static func label(_ s: String, unicode: Bool) -> String {
        unicode ? s : s.replacingOccurrences(of: "↓", with: "Dn").replacingOccurrences(of: "↑", with: "Up")
            .replacingOccurrences(of: "⏎", with: "Enter").replacingOccurrences(of: "→", with: "Right")
            .replacingOccurrences(of: "←", with: "Left")
    }
}

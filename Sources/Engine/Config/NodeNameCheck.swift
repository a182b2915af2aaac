/// Checks the node names a user writes — `run_on_cpu` (or `--run-on-cpu`), the keys of `calibration_overrides`
/// and a target file's `run_on_cpu` — against the model, so that a typo is an error rather than a setting that
/// silently does nothing.
public enum NodeNameCheck {
    /// Throws one error listing every name no node of `graphs` has, grouped by where it was written, with the
    /// closest node name when one is an obvious match. `targetSource` names the target file.
    public static func check(_ config: AnalysisConfig, target: TargetDescription, targetSource: String,
                             graphs: [Graph]) throws {
        let nodes = Set(graphs.flatMap { $0.nodes.map(\.name) })
        let sources: [(String, [String])] = [
            ("run_on_cpu (--run-on-cpu or the config)", config.quantization.floatNodes.sorted()),
            ("calibration_overrides", config.quantization.methodOverrides.keys.sorted()),
            ("the run_on_cpu list of target '\(targetSource)'", target.runOnCPU.sorted()),
        ]
        var parts: [String] = []
        var total = 0
        for (source, names) in sources {
            let unknown = names.filter { !nodes.contains($0) }
            guard !unknown.isEmpty else { continue }
            total += unknown.count
            let described = unknown.map { name in
                closest(to: name, in: nodes).map { "'\(name)' (did you mean '\($0)'?)" } ?? "'\(name)'"
            }
            parts.append("\(source): " + described.joined(separator: ", "))
        }
        guard !parts.isEmpty else { return }
        throw QScopeError.usage("the model has no node of \(total == 1 ? "this name" : "these names"), so "
            + "\(total == 1 ? "it" : "they") would do nothing: " + parts.joined(separator: "; ") + ". Node names "
            + "are those of the model file, as the first column of qscope analyze's layer table shows them")
    }

    /// The node name an unknown `name` most plausibly meant: equal but for case, or within a small edit
    /// distance (a quarter of the name's length, at most 3). nil when nothing is that close.
    static func closest(to name: String, in nodes: Set<String>) -> String? {
        if let same = nodes.sorted().first(where: { $0.lowercased() == name.lowercased() }) { return same }
        let limit = min(3, max(1, name.count / 4))
        let scored = nodes.sorted().map { ($0, editDistance(name, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }
}

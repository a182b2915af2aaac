/// Drops initializers no node reads and no graph output names (weights replaced by BatchNorm folding, weights
/// and constants whose readers were folded away). Constants that folding produced from node outputs stay, so
/// those tensors keep existing under their names.
public struct InitializerPruning: GraphPass {
    public let name = "prune-initializers"
    public let description = "drop initializers that nothing reads any more"

    public init() {}

    public func apply(_ state: inout PassState) throws {
        var graph = state.graph
        var used = Set(graph.outputs.map(\.name)).union(state.foldedConstants)
        for n in graph.nodes { used.formUnion(n.inputs) }
        let unused = graph.initializers.keys.filter { !used.contains($0) }.sorted()
        guard !unused.isEmpty else { return }
        for name in unused { graph.initializers[name] = nil }
        state.graph = graph
        let shown = unused.prefix(8).map { "'\($0)'" }.joined(separator: ", ")
        state.note(name, "dropped \(unused.count) unused initializer\(unused.count == 1 ? "" : "s"): \(shown)"
                   + (unused.count > 8 ? " …" : ""))
    }
}

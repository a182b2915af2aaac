/// Evaluates, once, every node whose inputs are all constants and replaces it by initializers holding its
/// outputs (same tensor names). Runs in topological order, so whole constant subgraphs collapse.
public struct ConstantFolding: GraphPass {
    public let name = "fold-constants"
    public let description = "evaluate nodes whose inputs are all constants once and store their outputs as initializers"

    /// Operators that must not be folded even with constant inputs (their output is random).
    static let nondeterministic: Set<String> = ["RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli"]

    public init() {}

    public func apply(_ state: inout PassState) throws {
        var graph = state.graph
        let order = try GraphPlanner.topologicalOrder(graph)
        var removed: Set<Int> = []
        var folded: [String] = []
        var failures: [String] = []
        for i in order {
            let node = graph.nodes[i]
            let present = node.inputs.filter { !$0.isEmpty }
            guard !present.isEmpty, present.allSatisfy({ graph.constant($0) != nil }),
                  OperatorRegistry.supports(node), !ConstantFolding.nondeterministic.contains(node.opType)
            else { continue }
            var constants: [Int: Tensor] = [:]
            for (k, name) in node.inputs.enumerated() where !name.isEmpty { constants[k] = graph.constant(name) }
            let outputs: [Tensor]
            do {
                let op = try OperatorRegistry.make(BuildContext(node: node, opset: state.model.opset, constants: constants))
                outputs = try op.run(node.inputs.map { $0.isEmpty ? nil : graph.constant($0) })
            } catch {
                // Left in place: the executor reports the same failure with context when the model runs.
                failures.append(node.name)
                continue
            }
            guard outputs.count >= node.outputs.filter({ !$0.isEmpty }).count else { failures.append(node.name); continue }
            for (k, name) in node.outputs.enumerated() where !name.isEmpty && k < outputs.count {
                graph.initializers[name] = outputs[k]
                state.foldedConstants.insert(name)
            }
            removed.insert(i)
            folded.append(node.name)
        }
        graph.removeNodes(removed)
        state.graph = graph
        if !folded.isEmpty {
            state.note(name, "folded \(folded.count) node\(folded.count == 1 ? "" : "s") into constants", nodes: folded)
        }
        if !failures.isEmpty {
            state.note(name, "left \(failures.count) constant node(s) in place: evaluating them failed", nodes: failures)
        }
    }
}

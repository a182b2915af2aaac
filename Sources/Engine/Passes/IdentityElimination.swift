/// Removes Identity nodes and inference-mode Dropout nodes, rewiring their readers to the input tensor.
///
/// When the removed node's output is a graph output, the producer of its input is renamed to write the graph
/// output instead (so graph outputs keep their names). A node whose input is a graph input or initializer, or
/// whose Dropout mask is read, is kept.
public struct IdentityElimination: GraphPass {
    public let name = "eliminate-identity"
    public let description = "remove Identity and inference-mode Dropout nodes, rewiring their readers"

    public init() {}

    public func apply(_ state: inout PassState) throws {
        var graph = state.graph
        var removed: Set<Int> = []
        for i in graph.nodes.indices {
            let node = graph.nodes[i]
            guard isRemovable(node, in: graph) else { continue }
            let x = node.inputs[0], y = node.outputs[0]
            // The stand-in must be produced by a node, so the removed tensor can be mapped to it.
            guard let p = graph.producer(of: x), !graph.isGraphInput(x) else { continue }
            let producerName = graph.nodes[p].name
            if !graph.isGraphOutput(y) {
                for (c, k) in graph.consumers(of: y) { graph.nodes[c].inputs[k] = x }
                state.recordFused(y, into: producerName)
            } else if !graph.isGraphOutput(x) {
                // Keep the graph output's name: the producer writes y directly.
                for (c, k) in graph.consumers(of: x) where c != i { graph.nodes[c].inputs[k] = y }
                if let slot = graph.nodes[p].outputs.firstIndex(of: x) { graph.nodes[p].outputs[slot] = y }
                state.recordFused(x, into: producerName)
            } else {
                continue
            }
            graph.nodes[i].inputs = []
            graph.nodes[i].outputs = []
            removed.insert(i)
            state.note(name, "removed \(node.opType) '\(node.name)'", nodes: [node.name])
        }
        graph.removeNodes(removed)
        state.graph = graph
    }

    private func isRemovable(_ node: Node, in graph: Graph) -> Bool {
        guard node.domain.isEmpty || node.domain == "ai.onnx", !node.inputs.isEmpty, !node.outputs.isEmpty,
              !node.inputs[0].isEmpty, !node.outputs[0].isEmpty else { return false }
        switch node.opType {
        case "Identity":
            return node.outputs.count == 1
        case "Dropout":
            // The mask output must be unused; training_mode (opset 12+) must be absent or a constant false.
            for mask in node.outputs.dropFirst() where !mask.isEmpty {
                if graph.isGraphOutput(mask) || !graph.consumers(of: mask).isEmpty { return false }
            }
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                guard let training = graph.constant(node.inputs[2]), training.int64s().allSatisfy({ $0 == 0 })
                else { return false }
            }
            if let isTest = try? node.int("is_test"), isTest == 0 { return false }
            return true
        default:
            return false
        }
    }
}

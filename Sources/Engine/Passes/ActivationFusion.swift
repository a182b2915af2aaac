/// Fuses a Relu or Clip into the Conv, ConvTranspose, Gemm or MatMul that feeds it (when it is that output's
/// only reader): the producer keeps its op type and name, gains the attribute `qscope_activation` ("Relu" or
/// "Clip", the latter with float attributes `qscope_clip_min` / `qscope_clip_max`) and writes the
/// activation's output tensor. `OperatorRegistry.make` wraps such nodes in `FusedActivation`.
public struct ActivationFusion: GraphPass {
    public let name = "fuse-activation"
    public let description = "fuse Relu/Clip into the preceding Conv, ConvTranspose, Gemm or MatMul"

    static let producers: Set<String> = ["Conv", "ConvTranspose", "Gemm", "MatMul"]

    public init() {}

    public func apply(_ state: inout PassState) throws {
        var graph = state.graph
        var removed: Set<Int> = []
        for a in graph.nodes.indices {
            let act = graph.nodes[a]
            guard isDefault(act), act.opType == "Relu" || act.opType == "Clip", act.outputs.count == 1,
                  !act.inputs.isEmpty, !act.inputs[0].isEmpty,
                  let bounds = clipBounds(act, graph, opset: state.model.opset),
                  let p = graph.producer(of: act.inputs[0]),
                  let single = graph.hasSingleConsumer(act.inputs[0]), single.node == a, single.slot == 0
            else { continue }
            let producer = graph.nodes[p]
            guard isDefault(producer), ActivationFusion.producers.contains(producer.opType),
                  producer.outputs.count == 1, !producer.has(FusedActivation.activationKey) else { continue }
            var fused = producer
            fused.outputs = act.outputs
            if act.opType == "Relu" {
                fused.attributes[FusedActivation.activationKey] = .string("Relu")
            } else {
                fused.attributes[FusedActivation.activationKey] = .string("Clip")
                fused.attributes[FusedActivation.minKey] = .float(bounds.min)
                fused.attributes[FusedActivation.maxKey] = .float(bounds.max)
            }
            graph.nodes[p] = fused
            graph.nodes[a].inputs = []
            graph.nodes[a].outputs = []
            removed.insert(a)
            state.recordFused(producer.outputs[0], into: producer.name)
            state.recordMerged(act.name, into: producer.name)
            state.note(name, "fused \(act.opType) '\(act.name)' into \(producer.opType) '\(producer.name)'",
                       nodes: [act.name, producer.name])
        }
        graph.removeNodes(removed)
        state.graph = graph
    }

    private func isDefault(_ n: Node) -> Bool { n.domain.isEmpty || n.domain == "ai.onnx" }

    /// The clamp range: Relu is [0, +inf); Clip takes attributes before opset 11 and constant inputs after.
    /// nil when a Clip bound is not a constant scalar.
    private func clipBounds(_ node: Node, _ graph: Graph, opset: Int) -> (min: Float, max: Float)? {
        if node.opType == "Relu" { return (0, .infinity) }
        if opset < 11 {
            guard let lo = try? node.float("min", default: -.infinity), let hi = try? node.float("max", default: .infinity)
            else { return nil }
            return (lo, hi)
        }
        func bound(_ i: Int, _ fallback: Float) -> Float? {
            guard i < node.inputs.count, !node.inputs[i].isEmpty else { return fallback }
            guard let t = graph.constant(node.inputs[i]), t.count == 1, case .float(let v) = t.data else { return nil }
            return v[0]
        }
        guard let lo = bound(1, -.infinity), let hi = bound(2, .infinity) else { return nil }
        return (lo, hi)
    }
}

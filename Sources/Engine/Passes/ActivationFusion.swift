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

extension ActivationFusion {
    /// The inverse rewrite, for writing a standard ONNX file: every node with `qscope_activation` loses the
    /// qscope attributes and writes a new tensor `NODE_preact`, read by a new Relu or Clip node (named
    /// `NODE_relu` / `NODE_clip`) that writes the original output. Clip bounds become scalar initializers
    /// (opset 11+) or attributes (older opsets); infinite bounds are left out.
    public static func unfuse(_ model: Model) -> Model {
        var model = model
        var graph = model.graph
        var nodes: [Node] = []
        for var node in graph.nodes {
            guard case .string(let kind)? = node.attributes[FusedActivation.activationKey], kind == "Relu" || kind == "Clip",
                  node.outputs.count == 1 else {
                nodes.append(node)
                continue
            }
            let lo = (try? node.float(FusedActivation.minKey)) ?? nil
            let hi = (try? node.float(FusedActivation.maxKey)) ?? nil
            for key in [FusedActivation.activationKey, FusedActivation.minKey, FusedActivation.maxKey] {
                node.attributes[key] = nil
            }
            let output = node.outputs[0]
            let pre = graph.unusedTensorName(node.name + "_preact")
            node.outputs = [pre]
            nodes.append(node)
            graph.nodes.append(Node(name: "", opType: "", inputs: [], outputs: [pre]))  // reserve the name
            if kind == "Relu" {
                nodes.append(Node(name: node.name + "_relu", opType: "Relu", inputs: [pre], outputs: [output]))
                continue
            }
            var clip = Node(name: node.name + "_clip", opType: "Clip", inputs: [pre], outputs: [output])
            let bounds = [("min", lo), ("max", hi)].map { ($0.0, $0.1.flatMap { $0.isFinite ? $0 : nil }) }
            if model.opset < 11 {
                for (key, v) in bounds { if let v { clip.attributes[key] = .float(v) } }
            } else {
                for (key, v) in bounds {
                    guard let v else { clip.inputs.append(""); continue }
                    let name = graph.unusedTensorName(node.name + "_clip_" + key)
                    graph.initializers[name] = Tensor(scalar: v)
                    clip.inputs.append(name)
                }
                while clip.inputs.last == "" { clip.inputs.removeLast() }
            }
            nodes.append(clip)
        }
        graph.nodes = nodes
        model.graph = graph
        return model
    }
}

/// Decides which activation tensors a device quantizes: the inputs and outputs of the operators an int8
/// accelerator computes, except an output that a single following activation absorbs (Conv + Relu runs as
/// one fused layer, so only the Relu's output is quantized).
public struct QuantizationPoints {
    /// Operators whose inputs and outputs are int8 on a device.
    public static let quantizedOps: Set<String> = [
        "Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Mul", "Concat", "MaxPool", "AveragePool",
        "GlobalAveragePool", "GlobalMaxPool", "Resize", "Upsample",
        "Relu", "Clip", "LeakyRelu", "PRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
    ]
    /// Activations a device folds into the preceding layer's requantization.
    public static let fusableActivations: Set<String> = ["Relu", "Clip"]
    /// Layers that can absorb a following activation.
    public static let fusingLayers: Set<String> = ["Conv", "ConvTranspose", "Gemm", "MatMul", "Add"]

    /// The quantized tensors, in the order they are first produced.
    public let tensors: [String]
    /// For a fused layer's output: the node whose output stands for it ("fused into NODE").
    public let fusedInto: [String: String]

    /// Exactly these points, e.g. the ones an already quantized model has.
    public init(tensors: [String], fusedInto: [String: String] = [:]) {
        self.tensors = tensors
        self.fusedInto = fusedInto
    }

    /// - Parameter floatNodes: nodes the user keeps in float; their outputs stay float.
    public init(model: Model, floatNodes: Set<String> = []) throws {
        let graph = model.graph
        let order = try GraphPlanner.topologicalOrder(graph)
        var consumers: [String: [Node]] = [:]
        for n in graph.nodes { for i in n.inputs where !i.isEmpty { consumers[i, default: []].append(n) } }
        var chosen: [String] = []
        var seen = Set<String>()
        var fused: [String: String] = [:]
        func add(_ t: String) {
            guard !t.isEmpty, graph.initializers[t] == nil, !seen.contains(t), fused[t] == nil else { return }
            seen.insert(t)
            chosen.append(t)
        }
        for i in graph.inputs where (consumers[i.name] ?? []).contains(where: { Self.quantizedOps.contains($0.opType) }) {
            add(i.name)
        }
        for idx in order {
            let node = graph.nodes[idx]
            guard node.domain.isEmpty, Self.quantizedOps.contains(node.opType), !floatNodes.contains(node.name) else { continue }
            // Only the data input of a layer is an activation; weights and biases are quantized separately.
            let dataInputs = ["Conv", "ConvTranspose", "Gemm", "PRelu", "Clip", "Resize", "Upsample"].contains(node.opType)
                ? Array(node.inputs.prefix(1)) : node.inputs
            for i in dataInputs { add(i) }
            for o in node.outputs where !o.isEmpty {
                let next = consumers[o] ?? []
                if Self.fusingLayers.contains(node.opType), next.count == 1, let act = next.first,
                   Self.fusableActivations.contains(act.opType), !floatNodes.contains(act.name),
                   !graph.outputs.contains(where: { $0.name == o }) {
                    fused[o] = act.name
                    continue
                }
                add(o)
            }
        }
        tensors = chosen
        fusedInto = fused
    }
}

/// Writes a quantized stage as a standard QDQ ONNX model: QuantizeLinear/DequantizeLinear pairs at every
/// quantization point, int8 weights with per-axis DequantizeLinear, int32 biases. ONNX Runtime runs it to the
/// same numbers as the stage.
public enum QDQExporter {
    /// The exported model. Needs opset 13 (per-axis DequantizeLinear); older models are raised to 13, their
    /// nodes rewritten into opset-13 forms (`OpsetUpgrade`).
    public static func export(_ stage: QuantizedStage, floatModel: Model) throws -> Model {
        let floatModel = try OpsetUpgrade.raiseTo13(floatModel)
        let graph = floatModel.graph
        var initializers = graph.initializers
        var prologue: [Node] = []
        var rename: [String: [String: String]] = [:]   // node name -> (input tensor -> replacement)
        var afterNode: [String: [Node]] = [:]           // node name -> Q/DQ nodes that follow it
        var renamedOutputs: [String: String] = [:]      // graph output -> new name of the producer's output

        func addPair(_ tensor: String, source: String, output: String, params: QuantParams) -> [Node] {
            // The integer type follows the grid: int8 whenever it reaches below zero, whatever its zero point
            // (an imported int8 grid with zero point -7 stays int8 with -7).
            let zpType: TensorData = params.qmin < 0
                ? .int8([Int8(clamping: params.zeroPoint)]) : .uint8([UInt8(clamping: params.zeroPoint)])
            initializers["\(tensor)_scale"] = Tensor(shape: [], floats: [params.scale])
            initializers["\(tensor)_zero_point"] = Tensor(shape: [], data: zpType)
            let qName = "\(tensor)_quantized"
            return [
                Node(name: "\(tensor)_QuantizeLinear", opType: "QuantizeLinear",
                     inputs: [source, "\(tensor)_scale", "\(tensor)_zero_point"], outputs: [qName]),
                Node(name: "\(tensor)_DequantizeLinear", opType: "DequantizeLinear",
                     inputs: [qName, "\(tensor)_scale", "\(tensor)_zero_point"], outputs: [output]),
            ]
        }

        // Weights and biases: integer initializers behind a DequantizeLinear.
        for layer in stage.weights {
            // A weight shared by several layers is dequantized once.
            guard let wq = stage.model.graph.initializers[layer.weight], initializers[layer.weight] != nil else { continue }
            let values = try wq.floats()
            let inner = layer.axis.map { wq.shape[($0 + 1)...].reduce(1, *) } ?? values.count
            let c = layer.scales.count
            let q = values.indices.map { i -> Int8 in
                let s = layer.scales[(i / max(inner, 1)) % c]
                return Int8(max(min((values[i] / s).rounded(), 127), -127))
            }
            let w = layer.weight
            initializers["\(w)_quantized"] = Tensor(shape: wq.shape, data: .int8(q))
            initializers["\(w)_scale"] = Tensor(shape: layer.axis == nil ? [] : [c], floats: layer.scales)
            initializers["\(w)_zero_point"] = Tensor(shape: layer.axis == nil ? [] : [c], data: .int8(Array(repeating: 0, count: c)))
            initializers[w] = nil
            var attrs: [String: AttributeValue] = [:]
            if let axis = layer.axis { attrs["axis"] = .int(axis) }
            prologue.append(Node(name: "\(w)_DequantizeLinear", opType: "DequantizeLinear",
                                 inputs: ["\(w)_quantized", "\(w)_scale", "\(w)_zero_point"], outputs: [w], attributes: attrs))
            if let b = layer.bias, let scales = layer.biasScales, let bq = stage.model.graph.initializers[b] {
                let bv = try bq.floats()
                initializers["\(b)_quantized"] = Tensor(shape: bq.shape, data: .int32(zip(bv, scales).map { v, s in
                    Int32(max(min((v / s).rounded(), 2_147_483_647), -2_147_483_648))
                }))
                initializers["\(b)_scale"] = Tensor(shape: [scales.count], floats: scales)
                initializers["\(b)_zero_point"] = Tensor(shape: [scales.count], data: .int32(Array(repeating: 0, count: scales.count)))
                initializers[b] = nil
                prologue.append(Node(name: "\(b)_DequantizeLinear", opType: "DequantizeLinear",
                                     inputs: ["\(b)_quantized", "\(b)_scale", "\(b)_zero_point"], outputs: [b],
                                     attributes: ["axis": .int(0)]))
            }
        }

        // Activations: a Q/DQ pair right after the producer; consumers read the dequantized tensor.
        let graphInputs = Set(graph.inputs.map(\.name))
        let graphOutputs = Set(graph.outputs.map(\.name))
        var producer: [String: String] = [:]
        for n in graph.nodes { for o in n.outputs { producer[o] = n.name } }
        for t in stage.points.tensors {
            guard let p = stage.activationParams[t] else { continue }
            if graphOutputs.contains(t), let prod = producer[t] {
                // Keep the graph output's name: the producer writes a new name and the pair restores it.
                let f = "\(t)_float"
                renamedOutputs[t] = f
                afterNode[prod, default: []] += addPair(t, source: f, output: t, params: p)
                continue
            }
            let dq = "\(t)_dequantized"
            let pair = addPair(t, source: t, output: dq, params: p)
            if graphInputs.contains(t) { prologue += pair } else if let prod = producer[t] { afterNode[prod, default: []] += pair }
            for n in graph.nodes where n.inputs.contains(t) { rename[n.name, default: [:]][t] = dq }
        }

        var nodes = prologue
        for var n in graph.nodes {
            if let r = rename[n.name] { n.inputs = n.inputs.map { r[$0] ?? $0 } }
            n.outputs = n.outputs.map { renamedOutputs[$0] ?? $0 }
            nodes.append(n)
            nodes += afterNode[n.name] ?? []
        }
        var model = floatModel
        model.graph.nodes = nodes
        model.graph.initializers = initializers
        model.opsets[""] = max(floatModel.opset, 13)
        return model
    }
}

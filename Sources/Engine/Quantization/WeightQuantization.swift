/// Quantizes the weights and biases of a model's layers as a device stores them: int8 symmetric weights (per
/// output channel or per tensor) and int32 biases with scale `s_in * s_w`, returned in their dequantized
/// (fake-quant) float form.
public enum WeightQuantization {
    /// The quantized weight of one layer, for reports and export.
    public struct LayerWeights: Equatable {
        public var node: String
        public var weight: String
        /// The channel axis of the scales; nil for one scale per tensor.
        public var axis: Int?
        public var scales: [Float]
        public var bias: String?
        /// Per-channel bias scales (`s_in * s_w`), when the bias was quantized.
        public var biasScales: [Float]?
    }

    /// Where a layer's weight, its output-channel axis and its bias sit.
    static func layout(_ node: Node, _ weight: Tensor) -> (weightInput: Int, axis: Int, biasInput: Int?)? {
        switch node.opType {
        case "Conv": return (1, 0, 2)
        case "ConvTranspose": return (1, 1, 2)
        case "Gemm":
            let transB = (try? node.int("transB", default: 0)) ?? 0
            return (1, transB == 1 ? 0 : 1, 2)
        case "MatMul": return weight.rank >= 2 ? (1, weight.rank - 1, nil) : nil
        default: return nil
        }
    }

    /// Returns the initializers with every layer weight and bias replaced by its fake-quantized value, and the
    /// per-layer record. `activationParams` gives the input scale for bias quantization.
    public static func apply(to model: Model, config: QuantizationConfig,
                             activationParams: [String: QuantParams]) throws -> ([String: Tensor], [LayerWeights]) {
        var initializers = model.graph.initializers
        var layers: [LayerWeights] = []
        for node in model.graph.nodes where node.domain.isEmpty && !config.floatNodes.contains(node.name) {
            guard node.inputs.count > 1, let w = model.graph.initializers[node.inputs[1]], w.dtype == .float,
                  let (wi, axis, bi) = layout(node, w) else { continue }
            let name = node.inputs[wi]
            let scales: [Float]
            if config.perChannel {
                let q = try WeightQuantizer.perChannelSymmetric(w, axis: axis)
                initializers[name] = q.dequantized()
                scales = q.scales
            } else {
                let values = try w.floats()
                let absMax = values.reduce(Float(0)) { max($0, abs($1)) }
                let p = try QuantParams(range: CalibrationRange(symmetric: absMax), scheme: .int8Symmetric, tensor: name)
                initializers[name] = Tensor(shape: w.shape, floats: values.map { p.fakeQuantize($0) })
                scales = [p.scale]
            }
            var record = LayerWeights(node: node.name, weight: name, axis: config.perChannel ? axis : nil,
                                      scales: scales, bias: nil, biasScales: nil)
            if let bi, bi < node.inputs.count, let b = model.graph.initializers[node.inputs[bi]], b.dtype == .float,
               b.rank == 1, let inParams = activationParams[node.inputs[0]] {
                let values = try b.floats()
                let channelScales = values.indices.map { scales.count == 1 ? scales[0] : scales[min($0, scales.count - 1)] }
                let biasScales = channelScales.map { $0 * inParams.scale }
                initializers[node.inputs[bi]] = Tensor(shape: b.shape, floats: zip(values, biasScales).map { v, s in
                    // int32 bias: round to the grid, saturating at the int32 limits.
                    let q = (v / s).rounded(.toNearestOrEven)
                    return max(min(q, 2_147_483_647), -2_147_483_648) * s
                })
                record.bias = node.inputs[bi]
                record.biasScales = biasScales
            }
            layers.append(record)
        }
        return (initializers, layers)
    }
}

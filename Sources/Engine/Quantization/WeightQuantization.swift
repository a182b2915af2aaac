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

    /// Given scales of a symmetric int8 weight (zero point 0), e.g. read from an already quantized model.
    public struct FixedScales: Equatable, Sendable {
        /// The channel axis of the scales; nil for one scale per tensor.
        public var axis: Int?
        public var scales: [Float]

        public init(axis: Int?, scales: [Float]) {
            self.axis = axis
            self.scales = scales
        }
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
    /// per-layer record. `activationParams` gives the input scale for bias quantization. A weight with
    /// `fixedScales` is rounded to those scales (int8, -128...127) whatever `config.perChannel` says.
    /// `cache` keeps per-channel weights for the next stage built from the same model.
    public static func apply(to model: Model, config: QuantizationConfig, activationParams: [String: QuantParams],
                             fixedScales: [String: FixedScales] = [:], cache: WeightCache? = nil) throws
        -> ([String: Tensor], [LayerWeights])
    {
        var initializers = model.graph.initializers
        var layers: [LayerWeights] = []
        for node in model.graph.nodes where node.domain.isEmpty && !config.floatNodes.contains(node.name) {
            guard node.inputs.count > 1, let w = model.graph.initializers[node.inputs[1]], w.dtype == .float,
                  let (wi, axis, bi) = layout(node, w) else { continue }
            let name = node.inputs[wi]
            let scales: [Float]
            var recordAxis: Int? = config.perChannel ? axis : nil
            if let fixed = fixedScales[name], let q = try fixedQuantized(w, fixed, outputAxis: axis) {
                initializers[name] = q
                scales = fixed.scales
                recordAxis = fixed.axis
            } else if config.perChannel, let cache {
                let q = try cache.perChannel(name, w, axis: axis)
                initializers[name] = q.dequantized
                scales = q.scales
            } else if config.perChannel {
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
            var record = LayerWeights(node: node.name, weight: name, axis: recordAxis,
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

    /// The weight rounded to given scales, or nil when they do not fit it (several scales along an axis other
    /// than the output channels, or a count that does not match): such a weight is quantized anew.
    static func fixedQuantized(_ w: Tensor, _ fixed: FixedScales, outputAxis: Int) throws -> Tensor? {
        let c = fixed.scales.count
        guard c >= 1 else { return nil }
        if c > 1 { guard fixed.axis == outputAxis, outputAxis < w.rank, w.shape[outputAxis] == c else { return nil } }
        let values = try w.floats()
        let inner = c == 1 ? 1 : max(w.shape[(outputAxis + 1)...].reduce(1, *), 1)
        var out = [Float](repeating: 0, count: values.count)
        for i in values.indices {
            let s = fixed.scales[c == 1 ? 0 : (i / inner) % c]
            let q = (values[i] / s).rounded(.toNearestOrEven)
            out[i] = (q.isNaN ? 0 : min(max(q, -128), 127)) * s
        }
        return Tensor(shape: w.shape, floats: out)
    }
}

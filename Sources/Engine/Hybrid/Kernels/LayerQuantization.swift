/// A layer's integer weights and bias, as the accelerator stores them: int8 weight levels with one scale per
/// output channel (or per tensor) and int32 bias levels with scale `s_in · s_w`.
struct IntegerLayer {
    /// Weight levels in the float weight's layout.
    var weights: [Int8]
    /// Weight scale per output channel (`count` copies of one scale when per tensor).
    var weightScales: [Float]
    /// Bias levels per output channel (zeros when the layer has no bias).
    var bias: [Int32]

    /// Quantizes `weight` (output channels along `axis`) with the scales the quantized stage recorded, and
    /// `bias` with scale `inputScale · s_w`, the same way as the fake-quant stage so that both compute with
    /// identical levels.
    init(weight: Tensor, axis: Int, bias: Tensor?, inputScale: Float, layer: WeightQuantization.LayerWeights?) throws {
        let values = try weight.floats()
        guard axis < weight.rank else { throw OpError("the weight of shape \(weight.shape) has no axis \(axis)") }
        let channels = weight.shape[axis]
        let inner = weight.shape[(axis + 1)...].reduce(1, *)
        var scales: [Float]
        if let layer, layer.scales.count == channels || layer.scales.count == 1 {
            scales = layer.scales.count == 1 ? Array(repeating: layer.scales[0], count: channels) : layer.scales
        } else {
            scales = try WeightQuantizer.perChannelSymmetric(weight, axis: axis).scales
        }
        if scales.count != channels { scales = Array(repeating: scales.first ?? 1, count: channels) }
        weights = values.indices.map { i in
            let s = scales[(i / max(inner, 1)) % max(channels, 1)]
            let q = (values[i] / s).rounded(.toNearestOrEven)
            return Int8(q.isNaN ? 0 : max(min(q, 127), -127))
        }
        weightScales = scales
        if let bias {
            let b = try bias.floats()
            guard b.count == channels else { throw OpError("the bias has \(b.count) values for \(channels) output channels") }
            let bs = layer?.biasScales?.count == channels ? layer!.biasScales! : scales.map { $0 * inputScale }
            self.bias = b.indices.map { c in
                let q = (b[c] / bs[c]).rounded(.toNearestOrEven)
                return q.isNaN ? 0 : Int32(max(min(Double(q), 2_147_483_647), -2_147_483_648))
            }
        } else {
            self.bias = Array(repeating: 0, count: channels)
        }
    }

    /// One requantizer per output channel for `s_in · s_w[c] / s_out` (times `extra`).
    func requantizers(inputScale: Float, outputScale: Float, rounding: IntegerRounding) -> [Requantizer] {
        weightScales.map { Requantizer(factor: Double(inputScale) * Double($0) / Double(outputScale), rounding: rounding) }
    }
}

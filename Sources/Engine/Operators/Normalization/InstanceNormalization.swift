/// ONNX InstanceNormalization: each [n, c] plane is normalized by its own mean and variance, then scaled and
/// shifted per channel.
final class InstanceNormalizationOp: Operator {
    private let epsilon: Float

    init(_ context: BuildContext) throws {
        epsilon = try context.node.float("epsilon", default: 1e-5)
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let scale = try inputs.required(1).floats(), bias = try inputs.required(2).floats()
        guard x.rank >= 3 else { throw OpError("input has shape \(x.shape); InstanceNormalization needs [N, C, spatial...]") }
        let n = x.shape[0], c = x.shape[1]
        guard scale.count == c, bias.count == c else {
            throw OpError("scale (\(scale.count)) and B (\(bias.count)) must have one value per channel (\(c))")
        }
        let size = x.shape[2...].reduce(1, *)
        let xs = try x.floats()
        var y = size > 0 ? SpanMath.uninitialized(xs.count) : [Float](repeating: 0, count: xs.count)
        if size > 0 {
            xs.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    for b in 0..<n {
                        for ch in 0..<c {
                            let src = xp.baseAddress! + (b * c + ch) * size
                            let mean = SpanMath.sum(src, size) / Float(size)
                            let variance = SpanMath.squaredDeviation(src, size, mean: mean) / Float(size)
                            let a = scale[ch] / (variance + epsilon).squareRoot()
                            SpanMath.affine(src, yp.baseAddress! + (b * c + ch) * size, size,
                                            scale: a, shift: bias[ch] - mean * a)
                        }
                    }
                }
            }
        }
        return [Tensor(shape: x.shape, floats: y)]
    }
}

/// ONNX BatchNormalization in inference mode: y = (x - mean) / sqrt(var + epsilon) * scale + B per channel.
/// The legacy attributes of old opsets (spatial, is_test, consumed_inputs) are ignored; training mode is
/// rejected because it needs batch statistics a reference run should not produce.
final class BatchNormalizationOp: InPlaceOperator {
    private let epsilon: Float
    /// Per-channel multiplier and offset, folded once when all four statistics are initializers.
    private let folded: (scale: [Float], shift: [Float])?

    init(_ context: BuildContext) throws {
        let node = context.node
        epsilon = try node.float("epsilon", default: 1e-5)
        if try node.int("training_mode", default: 0) != 0 {
            throw OpError("training_mode=1 is not supported (qscope runs models in inference mode)")
        }
        if let s = context.constant(1), let b = context.constant(2), let m = context.constant(3),
           let v = context.constant(4) {
            folded = try BatchNormalizationOp.fold(s, b, m, v, epsilon: epsilon)
        } else {
            folded = nil
        }
    }

    /// The per-channel multiplier scale / sqrt(var + epsilon) and offset B - mean · multiplier.
    static func fold(_ s: Tensor, _ b: Tensor, _ m: Tensor, _ v: Tensor,
                             epsilon: Float) throws -> (scale: [Float], shift: [Float]) {
        let scale = try s.floats(), bias = try b.floats(), mean = try m.floats(), variance = try v.floats()
        let c = scale.count
        guard bias.count == c, mean.count == c, variance.count == c else {
            throw OpError("scale, B, mean and var have \(c), \(bias.count), \(mean.count), \(variance.count) values; they must agree")
        }
        var a = [Float](repeating: 0, count: c), sh = [Float](repeating: 0, count: c)
        for i in 0..<c {
            a[i] = scale[i] / (variance[i] + epsilon).squareRoot()
            sh[i] = bias[i] - mean[i] * a[i]
        }
        return (a, sh)
    }

    /// With constant statistics, the affine map over the input's own storage.
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) throws -> Bool {
        guard let (scale, shift) = folded, x.rank >= 2, x.shape[1] == scale.count, x.dtype == .float else { return false }
        let n = x.shape[0], c = x.shape[1]
        let size = x.shape[2...].reduce(1, *)
        return x.updateFloats { p, _ in
            for b in 0..<n {
                for ch in 0..<c {
                    let off = (b * c + ch) * size
                    SpanMath.affine(p + off, p + off, size, scale: scale[ch], shift: shift[ch])
                }
            }
        }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let (scale, shift) = try folded ?? BatchNormalizationOp.fold(
            try inputs.required(1), try inputs.required(2), try inputs.required(3), try inputs.required(4),
            epsilon: epsilon)
        guard x.rank >= 2 else { throw OpError("input has shape \(x.shape); BatchNormalization needs [N, C, ...]") }
        let n = x.shape[0], c = x.shape[1]
        guard scale.count == c else {
            throw OpError("the input has \(c) channels but the statistics have \(scale.count) values")
        }
        let size = x.shape[2...].reduce(1, *)
        let xs = try x.floats()
        var y = SpanMath.uninitialized(xs.count)
        if !xs.isEmpty {
            xs.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    for b in 0..<n {
                        for ch in 0..<c {
                            let off = (b * c + ch) * size
                            SpanMath.affine(xp.baseAddress! + off, yp.baseAddress! + off, size,
                                            scale: scale[ch], shift: shift[ch])
                        }
                    }
                }
            }
        }
        var outputs = [Tensor(shape: x.shape, floats: y)]
        // Old opsets could declare running statistics as outputs; in inference they are the inputs.
        if let m = inputs.optional(3), let v = inputs.optional(4) { outputs += [m, v] }
        return outputs
    }
}

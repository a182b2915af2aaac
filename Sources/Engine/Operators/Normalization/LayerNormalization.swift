/// ONNX LayerNormalization (opset 17): normalizes over the axes from `axis` on, then applies Scale and the
/// optional B (both broadcast to the normalized shape). Optional outputs: Mean and InvStdDev.
final class LayerNormalizationOp: Operator {
    private let axis: Int
    private let epsilon: Float

    init(_ context: BuildContext) throws {
        axis = try context.node.int("axis", default: -1)
        epsilon = try context.node.float("epsilon", default: 1e-5)
    }

    /// `t` broadcast to `shape` (the normalized shape), as a flat array of its element count.
    private func expand(_ t: Tensor, to shape: [Int], what: String) throws -> [Float] {
        let values = try t.floats()
        let size = shape.reduce(1, *)
        if values.count == size && (t.shape == shape || t.shape.drop { $0 == 1 } == shape.drop { $0 == 1 }) {
            return values
        }
        let trimmed = Array(t.shape.drop { $0 == 1 })
        guard trimmed.count <= shape.count, (try? ShapeMath.broadcast([trimmed, shape])) == shape else {
            throw OpError("\(what) \(t.shape) cannot be broadcast to the normalized shape \(shape)")
        }
        return ShapeMath.broadcastIndices(from: trimmed, to: shape).map { values[$0] }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let a = try ShapeMath.axis(axis, rank: x.rank)
        let normShape = Array(x.shape[a...])
        let size = normShape.reduce(1, *)
        let outer = x.shape[..<a].reduce(1, *)
        let scale = try expand(try inputs.required(1), to: normShape, what: "Scale")
        let bias = try inputs.optional(2).map { try expand($0, to: normShape, what: "B") }
            ?? [Float](repeating: 0, count: size)
        let xs = try x.floats()
        var y = size > 0 ? SpanMath.uninitialized(xs.count) : [Float](repeating: 0, count: xs.count)
        var means = [Float](repeating: 0, count: outer), invStd = [Float](repeating: 0, count: outer)
        if size > 0 {
            xs.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    scale.withUnsafeBufferPointer { sp in
                        bias.withUnsafeBufferPointer { bp in
                            let s0 = sp.baseAddress!, b0 = bp.baseAddress!
                            for r in 0..<outer {
                                let src = xp.baseAddress! + r * size, dst = yp.baseAddress! + r * size
                                let mean = SpanMath.sum(src, size) / Float(size)
                                let inv = 1 / (SpanMath.squaredDeviation(src, size, mean: mean) / Float(size)
                                               + epsilon).squareRoot()
                                means[r] = mean
                                invStd[r] = inv
                                let mv = SIMD8<Float>(repeating: mean), iv = SIMD8<Float>(repeating: inv)
                                var j = 0
                                while j + 8 <= size {
                                    let v = UnsafeRawPointer(src + j).loadUnaligned(as: SIMD8<Float>.self)
                                    let sc = UnsafeRawPointer(s0 + j).loadUnaligned(as: SIMD8<Float>.self)
                                    var o = UnsafeRawPointer(b0 + j).loadUnaligned(as: SIMD8<Float>.self)
                                    o.addProduct((v - mv) * iv, sc)
                                    UnsafeMutableRawPointer(dst + j).storeBytes(of: o, as: SIMD8<Float>.self)
                                    j += 8
                                }
                                while j < size { dst[j] = (src[j] - mean) * inv * s0[j] + b0[j]; j += 1 }
                            }
                        }
                    }
                }
            }
        }
        let statShape = Array(x.shape[..<a]) + Array(repeating: 1, count: x.rank - a)
        return [Tensor(shape: x.shape, floats: y), Tensor(shape: statShape, floats: means),
                Tensor(shape: statShape, floats: invStd)]
    }
}

/// Gather: picks slices along `axis` by index (negative indices count from the end). Output shape is
/// `data.shape[..<axis] + indices.shape + data.shape[axis+1...]`; each pick is one block copy.
final class GatherOp: Operator {
    let axis: Int
    init(_ context: BuildContext) throws { axis = try context.node.int("axis", default: 0) }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0), indices = try inputs.required(1)
        let a = try ShapeMath.existingAxis(axis, rank: x.rank)
        let length = x.shape[a]
        let picks = try indices.int64s().map { i -> Int in
            let j = i < 0 ? Int(i) + length : Int(i)
            guard j >= 0 && j < length else { throw OpError("index \(i) is out of range for axis \(a) of length \(length)") }
            return j
        }
        let shape = Array(x.shape[..<a]) + indices.shape + Array(x.shape[(a + 1)...])
        _ = try Tensor.elementCount(shape, what: "the Gather output")
        let transform = GatherBlocks(outer: x.shape[..<a].reduce(1, *), length: length,
                                     inner: x.shape[(a + 1)...].reduce(1, *), picks: picks)
        return [Tensor(shape: shape, data: try x.data.map(transform))]
    }
}

/// For each outer row, copies the inner blocks at `picks` along an axis of `length`.
struct GatherBlocks: ArrayTransform {
    let outer: Int, length: Int, inner: Int
    let picks: [Int]

    func apply<T: TensorElement>(_ values: [T]) throws -> [T] {
        guard values.count == outer * length * inner else { throw OpError("internal: gather size mismatch") }
        let total = outer * picks.count * inner
        return values.withUnsafeBufferPointer { src in
            [T](unsafeUninitializedCapacity: total) { out, initialized in
                guard total > 0 else { initialized = 0; return }
                var dst = out.baseAddress!
                let s = src.baseAddress!
                for o in 0..<outer {
                    let row = s + o * length * inner
                    for p in picks {
                        if inner == 1 { dst.initialize(to: row[p]) } else { dst.initialize(from: row + p * inner, count: inner) }
                        dst += inner
                    }
                }
                initialized = total
            }
        }
    }
}

/// GatherElements: `out[i][j][k] = data[index[i][j][k]][j][k]` along `axis`; output has the indices' shape.
final class GatherElementsOp: Operator {
    let axis: Int
    init(_ context: BuildContext) throws { axis = try context.node.int("axis", default: 0) }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0), indices = try inputs.required(1)
        guard indices.rank == x.rank else { throw OpError("indices rank \(indices.rank) differs from data rank \(x.rank)") }
        let a = try ShapeMath.existingAxis(axis, rank: x.rank)
        for d in 0..<x.rank where d != a && indices.shape[d] > x.shape[d] {
            throw OpError("indices shape \(indices.shape) exceeds data shape \(x.shape) on axis \(d)")
        }
        let inStrides = ShapeMath.strides(x.shape)
        let idxStrides = ShapeMath.strides(indices.shape)
        let length = x.shape[a]
        let raw = indices.int64s()
        var flat = [Int](repeating: 0, count: raw.count)
        for (o, v) in raw.enumerated() {
            var rest = o, src = 0
            for d in 0..<x.rank {
                let c = rest / idxStrides[d]
                rest %= idxStrides[d]
                if d == a {
                    let j = v < 0 ? Int(v) + length : Int(v)
                    guard j >= 0 && j < length else { throw OpError("index \(v) is out of range for axis \(a) of length \(length)") }
                    src += j * inStrides[d]
                } else {
                    src += c * inStrides[d]
                }
            }
            flat[o] = src
        }
        return [Tensor(shape: indices.shape, data: try x.data.map(GatherTransform(flat)))]
    }
}

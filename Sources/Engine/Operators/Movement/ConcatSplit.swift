/// Concat: joins inputs along `axis` (negative counts from the end). Each input contributes one contiguous
/// block per outer index, so the copy is a sequence of block copies.
final class ConcatOp: Operator {
    let axis: Int
    init(_ context: BuildContext) throws {
        guard let a = try context.node.int("axis") else { throw OpError("attribute 'axis' is required") }
        axis = a
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let parts = inputs.compactMap { $0 }
        guard let first = parts.first else { throw OpError("no inputs") }
        let rank = first.rank
        let a = try ShapeMath.existingAxis(axis, rank: rank)
        var shape = first.shape
        shape[a] = 0
        for p in parts {
            guard p.rank == rank, zip(p.shape, first.shape).enumerated().allSatisfy({ $0.offset == a || $0.element.0 == $0.element.1 }) else {
                throw OpError("input shapes \(parts.map(\.shape)) differ outside axis \(a)")
            }
            shape[a] += p.shape[a]
        }
        _ = try Tensor.elementCount(shape, what: "the Concat output")
        if parts.count == 1 { return [first] }
        let outer = shape[..<a].reduce(1, *)
        let blocks = parts.map { $0.shape[a...].reduce(1, *) }
        let data = try TensorData.combine(parts.map(\.data), ConcatBlocks(outer: outer, blocks: blocks))
        return [Tensor(shape: shape, data: data)]
    }
}

/// For each of `outer` rows, appends block i (of `blocks[i]` elements) of every input i in turn.
struct ConcatBlocks: MultiArrayTransform {
    let outer: Int
    let blocks: [Int]

    func apply<T: TensorElement>(_ values: [[T]]) throws -> [T] {
        let rowLength = blocks.reduce(0, +)
        let total = outer * rowLength
        for (v, b) in zip(values, blocks) where v.count != outer * b {
            throw OpError("internal: concat part has \(v.count) elements, expected \(outer * b)")
        }
        return [T](unsafeUninitializedCapacity: total) { out, initialized in
            // Output column where each input's block starts within a row.
            var starts: [Int] = []
            var acc = 0
            for b in blocks { starts.append(acc); acc += b }
            let dst = out.baseAddress!
            for (k, v) in values.enumerated() where blocks[k] > 0 {
                let b = blocks[k]
                v.withUnsafeBufferPointer { src in
                    let s = src.baseAddress!
                    for o in 0..<outer {
                        (dst + o * rowLength + starts[k]).initialize(from: s + o * b, count: b)
                    }
                }
            }
            initialized = total
        }
    }
}

/// Split: cuts the input along `axis` into pieces given by `split` (attribute before opset 13, input from 13),
/// or into `num_outputs` (opset 18) / as many outputs as the node has, the last piece taking the remainder.
final class SplitOp: Operator {
    let axis: Int
    let attributeSplit: [Int]?
    let outputCount: Int
    let splitFromInput: Bool

    init(_ context: BuildContext) throws {
        axis = try context.node.int("axis", default: 0)
        splitFromInput = context.opset >= 13
        attributeSplit = splitFromInput ? nil : try context.node.ints("split")
        outputCount = try context.node.int("num_outputs") ?? context.node.outputs.count
        guard outputCount >= 1 else { throw OpError("num_outputs must be at least 1") }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let a = try ShapeMath.existingAxis(axis, rank: x.rank)
        let length = x.shape[a]
        var sizes: [Int]
        if let s = splitFromInput ? inputs.intList(1) : attributeSplit, !s.isEmpty {
            guard s.allSatisfy({ $0 >= 0 }), s.reduce(0, +) == length else {
                throw OpError("split sizes \(s) do not add up to dimension \(a) of shape \(x.shape)")
            }
            sizes = s
        } else {
            let chunk = (length + outputCount - 1) / outputCount
            sizes = (0..<outputCount).map { i in max(0, min(chunk, length - i * chunk)) }
        }
        let strides = ShapeMath.strides(x.shape)
        var outputs: [Tensor] = []
        var start = 0
        for n in sizes {
            var shape = x.shape
            shape[a] = n
            let view = StridedCopy(shape: shape, strides: strides, offset: start * strides[a])
            outputs.append(Tensor(shape: shape, data: try x.data.map(view)))
            start += n
        }
        return outputs
    }
}

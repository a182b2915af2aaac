/// Operators that produce shapes, sizes and constant tensors.

/// Shape: the input's dimensions as int64, optionally the range `start..<end` (opset 15; clamped).
final class ShapeOp: Operator {
    let start: Int
    let end: Int?

    init(_ context: BuildContext) throws {
        start = try context.node.int("start", default: 0)
        end = try context.node.int("end")
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let r = x.rank
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + r : v, 0), r) }
        let s = clamp(start), e = clamp(end ?? r)
        let dims = s < e ? x.shape[s..<e].map { Int64($0) } : []
        return [Tensor(shape: [dims.count], int64s: dims)]
    }
}

/// Size: the element count as an int64 scalar.
final class SizeOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        [Tensor(shape: [], int64s: [Int64(try inputs.required(0).count)])]
    }
}

/// Constant: a node the loader did not fold; the value is read once when building.
final class ConstantOp: Operator {
    let value: Tensor
    init(_ context: BuildContext) throws { value = try ModelLoader.constantValue(context.node) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { [value] }
}

/// ConstantOfShape: a tensor of the requested shape filled with `value` (default float 0).
final class ConstantOfShapeOp: Operator {
    let value: TensorData

    init(_ context: BuildContext) throws {
        if let t = try context.node.tensor("value") {
            guard t.count == 1 else { throw OpError("attribute 'value' must hold one element, it has \(t.count)") }
            value = t.data
        } else {
            value = .float([0])
        }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let shape = try inputs.required(0).ints()
        let n = try Tensor.elementCount(shape, what: "the ConstantOfShape output")
        return [Tensor(shape: shape, data: try value.repeatingFirst(count: n))]
    }
}

/// Range: `start, start + delta, ...` up to `limit` (exclusive), in the inputs' type.
final class RangeOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let start = try inputs.required(0), limit = try inputs.required(1), delta = try inputs.required(2)
        guard start.count == 1, limit.count == 1, delta.count == 1 else {
            throw OpError("start, limit and delta must be scalars")
        }
        if start.dtype == .float {
            let s = start.asFloats()[0], l = limit.asFloats()[0], d = delta.asFloats()[0]
            guard d != 0, d.isFinite, s.isFinite, l.isFinite else { throw OpError("delta must be non-zero and all values finite") }
            let steps = Double(((l - s) / d).rounded(.up))
            let n = max(Int(exactly: max(min(steps, 1e15), 0)) ?? 0, 0)
            _ = try Tensor.elementCount([n], what: "the Range output")
            // Accumulate like the reference implementations do, so values match bit for bit.
            var out = [Float](repeating: 0, count: n)
            var v = s
            for i in 0..<n { out[i] = v; v += d }
            return [Tensor(shape: [n], floats: out)]
        }
        let s = start.int64s()[0], l = limit.int64s()[0], d = delta.int64s()[0]
        guard d != 0 else { throw OpError("delta must be non-zero") }
        let span = l.subtractingReportingOverflow(s)
        guard !span.overflow else { throw OpError("range \(s)..<\(l) is too large") }
        let (q, overflow) = span.partialValue.dividedReportingOverflow(by: d)
        guard !overflow else { throw OpError("range \(s)..<\(l) step \(d) is too large") }
        var n = q
        if span.partialValue % d != 0 { n += 1 }
        n = max(n, 0)
        let count = try Tensor.elementCount([Int(n)], what: "the Range output")
        let values = (0..<count).map { s &+ Int64($0) &* d }
        let data: TensorData
        switch start.dtype {
        case .int32: data = .int32(values.map { Int32(truncatingIfNeeded: $0) })
        case .int8: data = .int8(values.map { Int8(truncatingIfNeeded: $0) })
        case .uint8: data = .uint8(values.map { UInt8(truncatingIfNeeded: $0) })
        case .int64: data = .int64(values)
        default: throw OpError("Range does not accept \(start.dtype.name)")
        }
        return [Tensor(shape: [count], data: data)]
    }
}

/// Expand: broadcasts the input to the input shape broadcast with the requested shape.
final class ExpandOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let requested = try inputs.required(1).ints()
        let shape = try ShapeMath.broadcast([x.shape, requested])
        _ = try Tensor.elementCount(shape, what: "the Expand output")
        return [try broadcastTo(x, shape)]
    }
}

/// Broadcasts `x` to `shape` (which must be a valid broadcast target) with a strided copy.
func broadcastTo(_ x: Tensor, _ shape: [Int]) throws -> Tensor {
    if x.shape == shape { return x }
    let padded = Array(repeating: 1, count: shape.count - x.rank) + x.shape
    let s = ShapeMath.strides(padded)
    let strides = padded.indices.map { padded[$0] == 1 ? 0 : s[$0] }
    return Tensor(shape: shape, data: try x.data.map(StridedCopy(shape: shape, strides: strides)))
}

/// EyeLike: a 2-D tensor shaped like the input with ones on diagonal `k`, in `dtype` (default: the input's).
final class EyeLikeOp: Operator {
    let k: Int
    let dtype: DType?

    init(_ context: BuildContext) throws {
        k = try context.node.int("k", default: 0)
        if let raw = try context.node.int("dtype") {
            guard let t = DType(rawValue: raw) else { throw OpError("dtype \(DType.onnxName(raw)) is not supported") }
            dtype = t
        } else {
            dtype = nil
        }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank == 2 else { throw OpError("input must be 2-D, got shape \(x.shape)") }
        let rows = x.shape[0], cols = x.shape[1]
        var ones = [Float](repeating: 0, count: rows * cols)
        let k = min(max(self.k, -rows), cols)  // beyond that the diagonal is empty anyway
        for r in 0..<rows {
            let c = r + k
            if c >= 0 && c < cols { ones[r * cols + c] = 1 }
        }
        return [Tensor(shape: x.shape, data: convertFloats(ones, to: dtype ?? x.dtype))]
    }
}

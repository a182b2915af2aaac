/// Slice: starts/ends/axes attributes before opset 10; inputs (with steps) from opset 10. Out-of-range starts
/// and ends (INT64_MAX, INT64_MIN) are clamped; negative steps walk backwards.
final class SliceOp: Operator {
    let attributes: (starts: [Int], ends: [Int], axes: [Int]?)?

    init(_ context: BuildContext) throws {
        if context.opset < 10 {
            guard let s = try context.node.ints("starts"), let e = try context.node.ints("ends") else {
                throw OpError("attributes 'starts' and 'ends' are required")
            }
            attributes = (s, e, try context.node.ints("axes"))
        } else {
            attributes = nil
        }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let starts, ends: [Int], axes: [Int]?, steps: [Int]?
        if let attributes {
            (starts, ends, axes, steps) = (attributes.starts, attributes.ends, attributes.axes, nil)
        } else {
            starts = try inputs.required(1).ints()
            ends = try inputs.required(2).ints()
            axes = inputs.intList(3)
            steps = inputs.intList(4)
        }
        let view = try Self.view(shape: x.shape, starts: starts, ends: ends, axes: axes, steps: steps)
        return [Tensor(shape: view.shape, data: try x.data.map(view.copy))]
    }

    /// The output shape and strided view of a slice.
    static func view(shape: [Int], starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?) throws
        -> (shape: [Int], copy: StridedCopy) {
        let rank = shape.count
        let axes = axes ?? Array(0..<starts.count)
        let steps = steps ?? Array(repeating: 1, count: starts.count)
        guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
            throw OpError("starts \(starts), ends \(ends), axes \(axes) and steps \(steps) differ in length")
        }
        var begin = Array(repeating: 0, count: rank)
        var step = Array(repeating: 1, count: rank)
        var out = shape
        var seen = Set<Int>()
        for i in 0..<starts.count {
            let a = try ShapeMath.existingAxis(axes[i], rank: rank)
            guard seen.insert(a).inserted else { throw OpError("axes \(axes) repeat axis \(a)") }
            let d = shape[a], s = steps[i]
            guard s != 0 else { throw OpError("step 0 on axis \(a)") }
            var b = starts[i] < 0 ? starts[i] + d : starts[i]
            var e = ends[i] < 0 ? ends[i] + d : ends[i]
            let n: Int
            if s > 0 {
                b = min(max(b, 0), d)
                e = min(max(e, 0), d)
                n = e > b ? (e - b - 1) / s + 1 : 0
            } else {
                b = min(max(b, 0), d - 1)
                e = min(max(e, -1), d - 1)
                n = b > e ? (b - e - 1) / (s == Int.min ? Int.max : -s) + 1 : 0
            }
            begin[a] = n > 0 ? b : 0
            step[a] = n > 1 ? s : 1  // a huge step only matters when it takes more than one element
            out[a] = n
        }
        let strides = ShapeMath.strides(shape)
        let offset = (0..<rank).reduce(0) { $0 + begin[$1] * strides[$1] }
        let viewStrides = (0..<rank).map { strides[$0] * step[$0] }
        return (out, StridedCopy(shape: out, strides: viewStrides, offset: offset))
    }
}

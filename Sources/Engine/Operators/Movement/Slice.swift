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
            let a = try ShapeMath.axis(axes[i], rank: rank)
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

/// Transpose: permutes axes by `perm` (default: reversed).
final class TransposeOp: Operator {
    let perm: [Int]?
    init(_ context: BuildContext) throws { perm = try context.node.ints("perm") }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let p = perm ?? Array((0..<x.rank).reversed())
        guard p.count == x.rank, Set(p) == Set(0..<x.rank) else {
            throw OpError("perm \(p) is not a permutation of the \(x.rank) axes of shape \(x.shape)")
        }
        let view = StridedCopy.transpose(x.shape, perm: p)
        return [Tensor(shape: p.map { x.shape[$0] }, data: try x.data.map(view))]
    }
}

/// Tile: repeats the input `repeats[i]` times along each axis. Viewed as a broadcast of shape
/// [1, d0, 1, d1, ...] to [r0, d0, r1, d1, ...], which is one strided copy.
final class TileOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let repeats = try inputs.required(1).ints()
        guard repeats.count == x.rank, repeats.allSatisfy({ $0 >= 0 }) else {
            throw OpError("repeats \(repeats) must be \(x.rank) non-negative values for shape \(x.shape)")
        }
        let out = zip(x.shape, repeats).map { $0 * $1 }
        _ = try Tensor.elementCount(out, what: "the Tile output")
        let s = ShapeMath.strides(x.shape)
        var viewShape: [Int] = [], viewStrides: [Int] = []
        for i in 0..<x.rank {
            viewShape += [repeats[i], x.shape[i]]
            viewStrides += [0, s[i]]
        }
        return [Tensor(shape: out, data: try x.data.map(StridedCopy(shape: viewShape, strides: viewStrides)))]
    }
}

/// DepthToSpace: moves blocks of channels into spatial blocks, in DCR (default) or CRD order.
final class DepthToSpaceOp: Operator {
    let block: Int
    let crd: Bool

    init(_ context: BuildContext) throws {
        guard let b = try context.node.int("blocksize"), b > 0 else { throw OpError("attribute 'blocksize' must be positive") }
        block = b
        let mode = try context.node.string("mode", default: "DCR")
        guard mode == "DCR" || mode == "CRD" else { throw OpError("mode '\(mode)' is not DCR or CRD") }
        crd = mode == "CRD"
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank == 4, x.shape[1] % (block * block) == 0 else {
            throw OpError("input shape \(x.shape) must be 4-D with channels divisible by \(block * block)")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1] / (block * block), x.shape[2], x.shape[3])
        let view: StridedCopy
        if crd {
            view = .transpose([n, c, block, block, h, w], perm: [0, 1, 4, 2, 5, 3])
        } else {
            view = .transpose([n, block, block, c, h, w], perm: [0, 3, 4, 1, 5, 2])
        }
        return [Tensor(shape: [n, c, h * block, w * block], data: try x.data.map(view))]
    }
}

/// SpaceToDepth: moves spatial blocks into channels (the inverse of DCR DepthToSpace).
final class SpaceToDepthOp: Operator {
    let block: Int

    init(_ context: BuildContext) throws {
        guard let b = try context.node.int("blocksize"), b > 0 else { throw OpError("attribute 'blocksize' must be positive") }
        block = b
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank == 4, x.shape[2] % block == 0, x.shape[3] % block == 0 else {
            throw OpError("input shape \(x.shape) must be 4-D with height and width divisible by \(block)")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2] / block, x.shape[3] / block)
        let view = StridedCopy.transpose([n, c, h, block, w, block], perm: [0, 3, 5, 1, 2, 4])
        return [Tensor(shape: [n, c * block * block, h, w], data: try x.data.map(view))]
    }
}

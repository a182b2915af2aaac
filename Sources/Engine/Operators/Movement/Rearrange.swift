/// Axis rearrangements: Transpose, Tile, DepthToSpace, SpaceToDepth. Each is a single strided copy.

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
        let out = try zip(x.shape, repeats).map { d, r in
            let (n, overflow) = d.multipliedReportingOverflow(by: r)
            guard !overflow else { throw OpError("repeats \(repeats) are too large for shape \(x.shape)") }
            return n
        }
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
        guard let b = try context.node.int("blocksize"), b > 0, b <= 1 << 16 else {
            throw OpError("attribute 'blocksize' must be between 1 and 65536")
        }
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
        guard let b = try context.node.int("blocksize"), b > 0, b <= 1 << 16 else {
            throw OpError("attribute 'blocksize' must be between 1 and 65536")
        }
        block = b
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank == 4, x.shape[2] % block == 0, x.shape[3] % block == 0 else {
            throw OpError("input shape \(x.shape) must be 4-D with height and width divisible by \(block)")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2] / block, x.shape[3] / block)
        _ = try Tensor.elementCount([c, block, block], what: "the SpaceToDepth output channels")
        let view = StridedCopy.transpose([n, c, h, block, w, block], perm: [0, 3, 5, 1, 2, 4])
        return [Tensor(shape: [n, c * block * block, h, w], data: try x.data.map(view))]
    }
}

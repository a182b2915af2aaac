import Foundation

/// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum,
/// ReduceLogSumExp.
/// `axes` is an attribute until it became an optional input (ReduceSum at opset 13, the rest at 18). No axes
/// reduces everything, unless `noop_with_empty_axes` is set, in which case the input passes through.
final class ReduceOp: Operator {
    enum Kind { case sum, mean, max, min, prod, l1, l2, sumSquare, logSum, logSumExp }

    private let kind: Kind
    private let opType: String
    private let keepDims: Bool
    private let noopWithEmptyAxes: Bool
    /// The `axes` attribute. From the opset where axes became input 1, the input wins; an attribute left in
    /// such a model is still honoured rather than silently ignored.
    private let attributeAxes: [Int]?
    private let axesAreInput: Bool

    init(_ context: BuildContext) throws {
        let node = context.node
        opType = node.opType
        switch node.opType {
        case "ReduceSum": kind = .sum
        case "ReduceMean": kind = .mean
        case "ReduceMax": kind = .max
        case "ReduceMin": kind = .min
        case "ReduceProd": kind = .prod
        case "ReduceL1": kind = .l1
        case "ReduceL2": kind = .l2
        case "ReduceSumSquare": kind = .sumSquare
        case "ReduceLogSum": kind = .logSum
        case "ReduceLogSumExp": kind = .logSumExp
        default: throw OpError("\(node.opType) is not a reduction")
        }
        keepDims = try node.int("keepdims", default: 1) != 0
        noopWithEmptyAxes = try node.int("noop_with_empty_axes", default: 0) != 0
        attributeAxes = try node.ints("axes")
        axesAreInput = context.opset >= (kind == .sum ? 13 : 18)
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axesInput = axesAreInput ? inputs.optional(1) : nil
        var axes = axesInput?.ints() ?? attributeAxes ?? []
        if axes.isEmpty {
            if noopWithEmptyAxes { return [x] }
            axes = Array(0..<x.rank)
        }
        var reduced = Array(repeating: false, count: x.rank)
        for a in axes {
            let n = try ShapeMath.axis(a, rank: x.rank)
            if x.rank > 0 { reduced[n] = true }
        }
        let keepShape = x.shape.enumerated().map { reduced[$0.offset] ? 1 : $0.element }
        let outShape = keepDims ? keepShape : x.shape.enumerated().filter { !reduced[$0.offset] }.map(\.element)
        let outCount = try Tensor.elementCount(keepShape)
        let loop = try BroadcastLoop([keepShape, x.shape])
        let reducedCount = zip(x.shape, reduced).reduce(1) { $1.1 ? $0 * $1.0 : $0 }

        switch x.data {
        case .float(let a):
            var r: [Float]
            switch kind {
            case .sum, .mean, .logSum: r = reduceFloat(SumReduce.self, a, loop, outCount: outCount)
            case .max: r = reduceFloat(MaxReduce.self, a, loop, outCount: outCount)
            case .min: r = reduceFloat(MinReduce.self, a, loop, outCount: outCount)
            case .prod: r = reduceFloat(ProdReduce.self, a, loop, outCount: outCount)
            case .l1: r = reduceFloat(AbsSumReduce.self, a, loop, outCount: outCount)
            case .l2, .sumSquare: r = reduceFloat(SumSquareReduce.self, a, loop, outCount: outCount)
            case .logSumExp: r = try logSumExp(x, a, keepShape, loop, outCount)
            }
            switch kind {
            case .mean:
                let scale = 1 / Float(reducedCount)
                for i in r.indices { r[i] *= scale }
            case .l2: for i in r.indices { r[i] = r[i].squareRoot() }
            case .logSum: for i in r.indices { r[i] = logf(r[i]) }
            default: break
            }
            return [Tensor(shape: outShape, floats: r)]
        case .int64(let a): return [Tensor(shape: outShape, data: .int64(try integer(a, loop, outCount, reducedCount)))]
        case .int32(let a): return [Tensor(shape: outShape, data: .int32(try integer(a, loop, outCount, reducedCount)))]
        case .int8(let a): return [Tensor(shape: outShape, data: .int8(try integer(a, loop, outCount, reducedCount)))]
        case .uint8(let a): return [Tensor(shape: outShape, data: .uint8(try integer(a, loop, outCount, reducedCount)))]
        case .bool(let a) where kind == .max || kind == .min:
            // Max is "any", Min is "all".
            let r = try integer(a.map { UInt8($0 ? 1 : 0) }, loop, outCount, reducedCount)
            return [Tensor(shape: outShape, data: .bool(r.map { $0 != 0 }))]
        case .bool: throw OpError("\(opType) does not support bool tensors")
        }
    }

    /// log(sum(exp(x))) with the per-output maximum subtracted first so it cannot overflow.
    private func logSumExp(_ x: Tensor, _ a: [Float], _ keepShape: [Int], _ loop: BroadcastLoop, _ outCount: Int) throws -> [Float] {
        var m = reduceFloat(MaxReduce.self, a, loop, outCount: outCount)
        for i in m.indices where !m[i].isFinite { m[i] = 0 }
        let shifted = try arithmetic(SubKernel.self, x, Tensor(shape: keepShape, floats: m)).floats()
        let e = makeFloats(shifted.count) { o in
            shifted.withUnsafeBufferPointer { mapFloats(ExpKernel(), $0.baseAddress!, o, shifted.count) }
        }
        var r = reduceFloat(SumReduce.self, e, loop, outCount: outCount)
        for i in r.indices { r[i] = logf(r[i]) + m[i] }
        return r
    }

    private func integer<T: IntegerElement>(_ a: [T], _ loop: BroadcastLoop, _ outCount: Int, _ reducedCount: Int) throws -> [T] {
        switch kind {
        case .sum: return reduceInteger(SumReduce.self, a, loop, outCount: outCount)
        case .max: return reduceInteger(MaxReduce.self, a, loop, outCount: outCount)
        case .min: return reduceInteger(MinReduce.self, a, loop, outCount: outCount)
        case .prod: return reduceInteger(ProdReduce.self, a, loop, outCount: outCount)
        case .l1: return reduceInteger(AbsSumReduce.self, a, loop, outCount: outCount)
        case .sumSquare: return reduceInteger(SumSquareReduce.self, a, loop, outCount: outCount)
        case .mean:
            // Integer mean truncates toward zero, computed from a wide sum.
            let sums = reduceInteger(SumReduce.self, a.map { Int64($0) }, loop, outCount: outCount)
            let n = Int64(max(reducedCount, 1))
            return sums.map { T(truncatingIfNeeded: $0 / n) }
        case .l2, .logSum, .logSumExp:
            throw OpError("\(opType) on \(T.dtype.name) tensors is not supported (float32 only)")
        }
    }
}

/// ArgMax and ArgMin: int64 indices of the extreme element along `axis`; ties go to the first occurrence,
/// or the last with `select_last_index`.
final class ArgExtremeOp: Operator {
    private let axis: Int
    private let keepDims: Bool
    private let selectLast: Bool
    private let isMax: Bool

    init(_ context: BuildContext) throws {
        axis = try context.node.int("axis", default: 0)
        keepDims = try context.node.int("keepdims", default: 1) != 0
        selectLast = try context.node.int("select_last_index", default: 0) != 0
        isMax = context.node.opType == "ArgMax"
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard x.rank > 0 else { throw OpError("\(isMax ? "ArgMax" : "ArgMin") needs a tensor of rank >= 1") }
        let ax = try ShapeMath.axis(axis, rank: x.rank)
        var outShape = x.shape
        outShape[ax] = 1
        let outCount = try Tensor.elementCount(outShape)
        let length = x.shape[ax]
        if length == 0 && outCount > 0 {
            throw OpError("\(isMax ? "ArgMax" : "ArgMin") over an empty axis \(ax) of shape \(x.shape)")
        }
        if !keepDims { outShape.remove(at: ax) }
        let inner = x.shape[(ax + 1)...].reduce(1, *)
        let indices: [Int64]
        switch x.data {
        case .float(let a): indices = search(a, outCount, length, inner)
        case .int64(let a): indices = search(a, outCount, length, inner)
        case .int32(let a): indices = search(a, outCount, length, inner)
        case .int8(let a): indices = search(a, outCount, length, inner)
        case .uint8(let a): indices = search(a, outCount, length, inner)
        case .bool: throw OpError("\(isMax ? "ArgMax" : "ArgMin") does not support bool tensors")
        }
        return [Tensor(shape: outShape, int64s: indices)]
    }

    private func search<T: Comparable>(_ a: [T], _ outCount: Int, _ length: Int, _ inner: Int) -> [Int64] {
        guard outCount > 0, length > 0 else { return Array(repeating: 0, count: outCount) }
        var result = [Int64](repeating: 0, count: outCount)
        let outer = outCount / inner
        a.withUnsafeBufferPointer { p in
            for o in 0..<outer {
                for k in 0..<inner {
                    let base = o * length * inner + k
                    var best = p[base], bestIndex = 0
                    for j in 1..<max(length, 1) {
                        let v = p[base + j * inner]
                        let better = isMax ? (selectLast ? v >= best : v > best) : (selectLast ? v <= best : v < best)
                        if better { best = v; bestIndex = j }
                    }
                    result[o * inner + k] = Int64(bestIndex)
                }
            }
        }
        return result
    }
}

import Foundation

/// Add, Sub, Mul, Div, Max, Min, Sum: numpy-broadcast arithmetic on float32 and integer tensors. Max, Min
/// and Sum accept any number of inputs and fold them left to right. One concrete class per operator so the
/// kernels are specialized (a generic operator class would run unspecialized).
func runArithmetic<K: ArithmeticKernel>(_ k: K.Type, _ inputs: [Tensor?]) throws -> [Tensor] {
    var acc = try inputs.required(0)
    for i in inputs.indices.dropFirst() {
        acc = try arithmetic(k, acc, try inputs.required(i))
    }
    return [acc]
}

final class AddOp: InPlaceOperator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runArithmetic(AddKernel.self, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) throws -> Bool { try arithmeticInPlace(AddKernel.self, &x, inputs) }
}

final class SubOp: InPlaceOperator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runArithmetic(SubKernel.self, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) throws -> Bool { try arithmeticInPlace(SubKernel.self, &x, inputs) }
}

final class MulOp: InPlaceOperator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runArithmetic(MulKernel.self, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) throws -> Bool { try arithmeticInPlace(MulKernel.self, &x, inputs) }
}

final class DivOp: InPlaceOperator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runArithmetic(DivKernel.self, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) throws -> Bool { try arithmeticInPlace(DivKernel.self, &x, inputs) }
}

final class MaxOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runArithmetic(MaxKernel.self, inputs) }
}

final class MinOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runArithmetic(MinKernel.self, inputs) }
}

typealias SumOp = AddOp

/// Mean: the broadcast sum of all inputs divided by their number (float32).
final class MeanOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        var acc = try inputs.required(0)
        guard acc.dtype == .float else { throw OpError("Mean supports float32 only, got \(acc.dtype.name)") }
        for i in inputs.indices.dropFirst() {
            acc = try arithmetic(AddKernel.self, acc, try inputs.required(i))
        }
        if inputs.count > 1 {
            acc = try arithmetic(MulKernel.self, acc, Tensor(scalar: 1 / Float(inputs.count)))
        }
        return [acc]
    }
}

/// Pow: float32 bases with any numeric exponent; integer bases are computed in double precision and truncated.
final class PowOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let a = try inputs.required(0), b = try inputs.required(1)
        if case .float(let x) = a.data {
            guard b.dtype != .bool else { throw OpError("Pow exponent cannot be bool") }
            let y = b.asFloats()
            // x^2 is common in decomposed normalizations; keep it exact and fast.
            if y.count == 1 && b.rank <= a.rank && y[0] == 2 {
                return [try arithmeticFloat(MulKernel.self, a, x, a, x).reshaped(try ShapeMath.broadcast([a.shape, b.shape]))]
            }
            return [try arithmeticFloat(PowKernel.self, a, x, b, y)]
        }
        guard b.dtype != .bool else { throw OpError("Pow exponent cannot be bool") }
        let exponent = b.data
        switch a.data {
        case .int64(let x): return [try integerPow(a, x, b, exponent)]
        case .int32(let x): return [try integerPow(a, x, b, exponent)]
        case .int8(let x): return [try integerPow(a, x, b, exponent)]
        case .uint8(let x): return [try integerPow(a, x, b, exponent)]
        default: throw OpError("Pow does not support \(a.dtype.name) bases")
        }
    }

    private func integerPow<T: IntegerElement>(_ a: Tensor, _ x: [T], _ b: Tensor, _ exponent: TensorData) throws -> Tensor {
        if case .float(let y) = exponent {
            let loop = try BroadcastLoop([a.shape, b.shape])
            let sa = loop.innerStrides[0], sb = loop.innerStrides[1], n = loop.inner
            let out: [T] = makeArray(loop.outCount) { o in
                loop.forEachRun { outOffset, off in
                    for i in 0..<n {
                        let v = Foundation.pow(Double(x[off[0] + i * sa]), Double(y[off[1] + i * sb]))
                        o[outOffset + i] = v.isFinite ? T(clamping: Int64(max(min(v, 9.2e18), -9.2e18))) : 0
                    }
                }
            }
            return Tensor(shape: loop.outShape, data: T.wrap(out))
        }
        // Integer exponent: convert it to the base's type (values outside it saturate).
        let e = b.int64s().map { T(clamping: $0) }
        return try arithmeticInteger(PowKernel.self, a, x, b, e)
    }
}

/// Integer Gemm and MatMul with a constant weight: rows of centered input levels times int8 weights,
/// accumulated exactly in int32, plus the int32 bias, requantized per output column.
final class MatMulKernel: AccKernel {
    private let isGemm: Bool
    private let transA: Bool
    private let transB: Bool
    private let k: Int
    private let n: Int
    private let layer: IntegerLayer
    private let weightFloats: [Float]
    private let outParams: QuantParams
    private let inParams: QuantParams
    private let clamp: OutputClamp
    private let requant: [Requantizer]

    /// Nil when this Gemm's form (alpha, beta, a non-vector C) has no integer kernel here.
    init?(_ ctx: KernelContext) throws {
        let node = ctx.node
        guard let w = ctx.constants[1], w.rank == 2 else { return nil }
        isGemm = node.opType == "Gemm"
        inParams = try ctx.inParams(0)
        outParams = ctx.outputParams[0]
        var bias: Tensor?
        if isGemm {
            transA = try node.int("transA", default: 0) != 0
            transB = try node.int("transB", default: 0) != 0
            guard try node.float("alpha", default: 1) == 1 else { return nil }
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                guard try node.float("beta", default: 1) == 1, let c = ctx.constants[2] else { return nil }
                let cols = transB ? w.shape[0] : w.shape[1]
                // Only a per-column bias folds into the accumulator.
                guard c.count == cols, c.rank >= 1, c.shape.dropLast().allSatisfy({ $0 == 1 }) else { return nil }
                bias = try c.reshaped([cols])
            }
        } else {
            transA = false
            transB = false
        }
        k = transB ? w.shape[1] : w.shape[0]
        n = transB ? w.shape[0] : w.shape[1]
        layer = try IntegerLayer(weight: w, axis: transB ? 0 : 1, bias: bias, inputScale: inParams.scale, layer: ctx.layer)
        weightFloats = layer.weights.map { Float($0) }
        clamp = ctx.clamp()
        requant = layer.requantizers(inputScale: inParams.scale, outputScale: outParams.scale, rounding: ctx.rounding)
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let a = try inputs.quant(0)
        let rows: Int, shape: [Int]
        if isGemm {
            guard a.shape.count == 2 else { throw OpError("Gemm input A has shape \(a.shape); it must be 2-D") }
            let ak = transA ? a.shape[0] : a.shape[1]
            guard ak == k else { throw OpError("A has inner size \(ak), B has \(k)") }
            rows = transA ? a.shape[1] : a.shape[0]
            shape = [rows, n]
        } else {
            guard let last = a.shape.last, last == k else { throw OpError("A of shape \(a.shape) does not end in the weight's \(k) rows") }
            rows = a.shape.dropLast().reduce(1, *)
            shape = a.shape.count == 1 ? [n] : a.shape.dropLast() + [n]
        }
        let count = try Tensor.elementCount(shape, what: "the product")
        var acc = [Int32](repeating: 0, count: count)
        let af = a.centered().map { Float($0) }
        if rows > 0, k > 0, n > 0 {
            af.withUnsafeBufferPointer { ap in
                weightFloats.withUnsafeBufferPointer { wp in
                    acc.withUnsafeMutableBufferPointer { cp in
                        ExactIntGemm.multiply(m: rows, n: n, k: k, a: ap.baseAddress!, transA: transA,
                                              b: wp.baseAddress!, transB: transB, into: cp.baseAddress!)
                    }
                }
            }
        }
        var levels = [Int32](repeating: 0, count: count)
        var pre: [Float]? = wantPreActivation ? [Float](repeating: 0, count: count) : nil
        for i in 0..<count {
            let col = i % n
            let v = acc[i] &+ layer.bias[col]
            levels[i] = requant[col].apply(v, zeroPoint: outParams.zeroPoint, lo: clamp.lo, hi: clamp.hi)
            pre?[i] = Float(v) * inParams.scale * layer.weightScales[col]
        }
        return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)],
                         preActivation: pre.map { Tensor(shape: shape, floats: $0) })
    }
}

/// Constant operands of element-wise accelerator operators are stored as int8 with their own symmetric scale.
private func quantizedConstant(_ t: Tensor, name: String) throws -> QTensor {
    let values = try t.floats()
    let absMax = values.reduce(Float(0)) { max($0, abs($1)) }
    return try QTensor.quantize(t, QuantParams(range: CalibrationRange(symmetric: absMax), scheme: .int8Symmetric, tensor: name))
}

/// The integer operands of a node: its data inputs, or its constants quantized once.
private func operands(_ inputs: [HybridValue?], _ constants: [Int: QTensor], count: Int) throws -> [QTensor] {
    try (0..<count).map { i in try constants[i] ?? inputs.quant(i) }
}

/// Integer Add and Mul with broadcasting.
/// Add (as TFLite does it): both centered operands are shifted left by 20 bits, each rescaled to a common
/// scale `2·max(s_a, s_b)` by its own integer multiplier, summed, and the sum requantized to the output.
/// Mul: the product of the centered operands, requantized by `s_a · s_b / s_out`.
final class BinaryKernel: AccKernel {
    private let isAdd: Bool
    private var constants: [Int: QTensor] = [:]
    private let outParams: QuantParams
    private let clamp: OutputClamp
    private let rounding: IntegerRounding
    static let leftShift = 20

    init(_ ctx: KernelContext) throws {
        isAdd = ctx.node.opType == "Add"
        for i in 0..<2 where ctx.inputParams[i] == nil {
            guard let c = ctx.constants[i] else { throw OpError("input \(i) is neither quantized nor constant") }
            constants[i] = try quantizedConstant(c, name: ctx.node.inputs[i])
        }
        outParams = ctx.outputParams[0]
        clamp = ctx.clamp()
        rounding = ctx.rounding
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let ops = try operands(inputs, constants, count: 2)
        let (a, b) = (ops[0], ops[1])
        let shape = try ShapeMath.broadcast([a.shape, b.shape])
        let count = try Tensor.elementCount(shape, what: "the output")
        let ia = ShapeMath.broadcastIndices(from: a.shape, to: shape)
        let ib = ShapeMath.broadcastIndices(from: b.shape, to: shape)
        let (za, zb) = (a.params.zeroPoint, b.params.zeroPoint)
        var levels = [Int32](repeating: 0, count: count)
        var pre: [Float]? = wantPreActivation ? [Float](repeating: 0, count: count) : nil
        let zo = outParams.zeroPoint
        if isAdd {
            let (sa, sb, so) = (Double(a.params.scale), Double(b.params.scale), Double(outParams.scale))
            let common = 2 * max(sa, sb)
            let ra = Requantizer(factor: sa / common, rounding: rounding)
            let rb = Requantizer(factor: sb / common, rounding: rounding)
            let ro = Requantizer(factor: common / (Double(1 << Self.leftShift) * so), rounding: rounding)
            let unit = Float(common / Double(1 << Self.leftShift))
            for i in 0..<count {
                let x = ra.scale((a.levels[ia[i]] - za) << Self.leftShift)
                let y = rb.scale((b.levels[ib[i]] - zb) << Self.leftShift)
                let sum = x &+ y
                levels[i] = ro.apply(sum, zeroPoint: zo, lo: clamp.lo, hi: clamp.hi)
                pre?[i] = Float(sum) * unit
            }
        } else {
            let r = Requantizer(factor: Double(a.params.scale) * Double(b.params.scale) / Double(outParams.scale), rounding: rounding)
            let unit = a.params.scale * b.params.scale
            for i in 0..<count {
                let p = (a.levels[ia[i]] - za) * (b.levels[ib[i]] - zb)
                levels[i] = r.apply(p, zeroPoint: zo, lo: clamp.lo, hi: clamp.hi)
                pre?[i] = Float(p) * unit
            }
        }
        return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)],
                         preActivation: pre.map { Tensor(shape: shape, floats: $0) })
    }
}

/// Integer Concat: each input is requantized to the output's parameters (a copy when they match).
final class ConcatKernel: AccKernel {
    private let axis: Int
    private var constants: [Int: QTensor] = [:]
    private let count: Int
    private let outParams: QuantParams
    private let rounding: IntegerRounding

    init(_ ctx: KernelContext) throws {
        axis = try ctx.node.int("axis") ?? 0
        count = ctx.node.inputs.count
        for i in 0..<count where ctx.inputParams[i] == nil {
            guard let c = ctx.constants[i] else { throw OpError("input \(i) is neither quantized nor constant") }
            constants[i] = try quantizedConstant(c, name: ctx.node.inputs[i])
        }
        outParams = ctx.outputParams[0]
        rounding = ctx.rounding
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let parts = try operands(inputs, constants, count: count).map { $0.requantized(to: outParams, rounding: rounding) }
        guard let first = parts.first else { throw OpError("Concat needs at least one input") }
        let a = try ShapeMath.axis(axis, rank: first.shape.count)
        var shape = first.shape
        shape[a] = 0
        for p in parts {
            guard p.shape.count == first.shape.count,
                  p.shape.indices.allSatisfy({ $0 == a || p.shape[$0] == first.shape[$0] }) else {
                throw OpError("input shapes \(parts.map(\.shape)) differ outside axis \(axis)")
            }
            shape[a] += p.shape[a]
        }
        let outer = first.shape[..<a].reduce(1, *)
        var levels: [Int32] = []
        levels.reserveCapacity(try Tensor.elementCount(shape, what: "the output"))
        for o in 0..<outer {
            for p in parts {
                let block = p.shape[a...].reduce(1, *)
                levels += p.levels[(o * block)..<((o + 1) * block)]
            }
        }
        return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)], preActivation: nil)
    }
}

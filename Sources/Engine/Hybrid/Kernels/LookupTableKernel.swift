import Foundation

/// Element-wise non-linearities (Sigmoid, Tanh, HardSigmoid, HardSwish, Exp, LeakyRelu) through a table with
/// one entry per input level (256 for 8 bits), built once from the calibrated input and output parameters:
/// entry q holds `quantize_out(f(dequantize_in(q)))`. At run time each level is only looked up.
final class LookupTableKernel: AccKernel {
    /// The table, indexed by `level - qmin` of the input.
    let table: [Int32]
    private let inParams: QuantParams
    private let outParams: QuantParams

    /// The real function of a LUT operator, or nil when the operator is not one.
    static func function(_ node: Node) throws -> ((Double) -> Double)? {
        switch node.opType {
        case "Sigmoid": return { 1 / (1 + exp(-$0)) }
        case "Tanh": return { tanh($0) }
        case "Exp": return { exp($0) }
        case "HardSigmoid":
            let alpha = Double(try node.float("alpha", default: 0.2)), beta = Double(try node.float("beta", default: 0.5))
            return { max(0, min(1, alpha * $0 + beta)) }
        case "HardSwish": return { $0 * max(0, min(1, $0 / 6 + 0.5)) }
        case "LeakyRelu":
            let alpha = Double(try node.float("alpha", default: 0.01))
            return { $0 >= 0 ? $0 : alpha * $0 }
        default: return nil
        }
    }

    init(_ ctx: KernelContext, function f: (Double) -> Double) throws {
        let pin = try ctx.inParams(0), pout = ctx.outputParams[0]
        inParams = pin
        outParams = pout
        let clamp = ctx.clamp()
        table = (pin.qmin...pin.qmax).map { q in
            let y = f(Double(q - pin.zeroPoint) * Double(pin.scale))
            let level = pout.quantize(Float(y))
            return min(max(level, clamp.lo), clamp.hi)
        }
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let x = try inputs.quant(0)
        let lo = inParams.qmin
        // Every level must index the table; checked once, so the lookup loop has no branch.
        var (least, most) = (Int32.max, Int32.min)
        for q in x.levels { least = min(least, q); most = max(most, q) }
        var outside: Int32?
        if !x.levels.isEmpty && (Int(least) < Int(lo) || Int(most) - Int(lo) >= table.count) {
            outside = Int(least) < Int(lo) ? least : most
        }
        let levels = outside != nil ? [] : [Int32](unsafeUninitializedCapacity: x.levels.count) { op, initialized in
            table.withUnsafeBufferPointer { tp in
                x.levels.withUnsafeBufferPointer { xp in
                    for i in 0..<xp.count { op[i] = tp[Int(xp[i] &- lo)] }
                }
            }
            initialized = x.levels.count
        }
        if let q = outside { throw OpError("level \(q) lies outside the table's input levels") }
        return AccOutput(outputs: [QTensor(shape: x.shape, levels: levels, params: outParams)], preActivation: nil)
    }
}

/// A standalone Relu or Clip: the input requantized to the output's parameters and clamped.
final class ClampKernel: AccKernel {
    private let requant: Requantizer
    private let inParams: QuantParams
    private let outParams: QuantParams
    private let clamp: OutputClamp

    init(_ ctx: KernelContext) throws {
        inParams = try ctx.inParams(0)
        outParams = ctx.outputParams[0]
        requant = Requantizer(factor: Double(inParams.scale) / Double(outParams.scale), rounding: ctx.rounding)
        clamp = OutputClamp(outParams).narrowed(by: try HybridOps.activation(ctx.node, ctx.constants, opset: ctx.opset), outParams)
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let x = try inputs.quant(0)
        let zi = inParams.zeroPoint, zo = outParams.zeroPoint
        let levels = requant.applied(to: x.levels, minus: zi, zeroPoint: zo, lo: clamp.lo, hi: clamp.hi)
        return AccOutput(outputs: [QTensor(shape: x.shape, levels: levels, params: outParams)], preActivation: nil)
    }
}

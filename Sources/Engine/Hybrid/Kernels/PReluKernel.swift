import Foundation

/// PRelu with constant slopes, as an accelerator computes it: the input level minus its zero point is
/// requantized by `s_in / s_out` when it is non-negative and by `slope · s_in / s_out` when it is negative (an
/// integer multiplier and shift each; a negative slope flips the sign after the shift). With 8-bit inputs every
/// distinct slope's 256 results are tabulated once when the kernel is built, which gives the same levels as
/// applying the two requantizers per value.
final class PReluKernel: AccKernel {
    /// One table per distinct slope value, indexed by `level - qmin`.
    private let tables: [[Int32]]
    /// The slope tensor's shape and, per slope element, its table.
    private let slopeShape: [Int]
    private let tableOfSlope: [Int]
    private let inParams: QuantParams
    private let outParams: QuantParams

    init(_ ctx: KernelContext) throws {
        guard let slope = ctx.constants[1] else { throw OpError("PRelu's slope must be a constant on the accelerator") }
        inParams = try ctx.inParams(0)
        outParams = ctx.outputParams[0]
        let slopes = slope.asFloats()
        guard slopes.allSatisfy(\.isFinite) else { throw OpError("PRelu's slope holds NaN or infinity") }
        let clamp = ctx.clamp()
        let ratio = Double(inParams.scale) / Double(outParams.scale)
        let positive = Requantizer(factor: ratio, rounding: ctx.rounding)
        var tables: [[Int32]] = []
        var tableOf: [Float: Int] = [:]
        var tableOfSlope: [Int] = []
        for a in slopes {
            if let t = tableOf[a] { tableOfSlope.append(t); continue }
            let negative = Requantizer(factor: abs(Double(a)) * ratio, rounding: ctx.rounding)
            let (pin, pout) = (inParams, outParams)
            tables.append((pin.qmin...pin.qmax).map { q in
                let x = q - pin.zeroPoint
                let scaled: Int64 = x >= 0 ? Int64(positive.scale(x)) : (a == 0 ? 0 : (a > 0 ? 1 : -1) * Int64(negative.scale(x)))
                return Int32(min(max(scaled + Int64(pout.zeroPoint), Int64(clamp.lo)), Int64(clamp.hi)))
            })
            tableOf[a] = tables.count - 1
            tableOfSlope.append(tables.count - 1)
        }
        self.tables = tables
        self.tableOfSlope = tableOfSlope
        slopeShape = slope.shape
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let x = try inputs.quant(0)
        let shape = try ShapeMath.broadcast([x.shape, slopeShape])
        guard shape == x.shape else {
            throw OpError("PRelu's slope shape \(slopeShape) would enlarge the input \(x.shape)")
        }
        let lo = inParams.qmin, width = Int(inParams.qmax - inParams.qmin)
        for q in x.levels where q < lo || Int(q - lo) > width {
            throw OpError("level \(q) lies outside the table's input levels")
        }
        var levels = [Int32](repeating: 0, count: x.levels.count)
        if tables.count == 1 {
            let t = tables[0]
            for i in levels.indices { levels[i] = t[Int(x.levels[i] - lo)] }
        } else {
            let slopeIndex = ShapeMath.broadcastIndices(from: slopeShape, to: shape)
            for i in levels.indices { levels[i] = tables[tableOfSlope[slopeIndex[i]]][Int(x.levels[i] - lo)] }
        }
        return AccOutput(outputs: [QTensor(shape: x.shape, levels: levels, params: outParams)], preActivation: nil)
    }
}

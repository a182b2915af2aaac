/// Integer Resize in nearest mode (and MaxPool-like gathers): the float reference operator applied to the
/// integer levels. Nearest resize only copies elements, so the levels come out exactly; they are then
/// requantized to the output's parameters.
final class GatherKernel: AccKernel {
    private let op: Operator
    private let inParams: QuantParams
    private let outParams: QuantParams
    private let rounding: IntegerRounding

    init(_ ctx: KernelContext) throws {
        op = try OperatorRegistry.make(BuildContext(node: ctx.node, opset: ctx.opset, constants: ctx.constants))
        inParams = try ctx.inParams(0)
        outParams = ctx.outputParams[0]
        rounding = ctx.rounding
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let x = try inputs.quant(0)
        var args: [Tensor?] = inputs.enumerated().map { $0.offset == 0 ? nil : $0.element?.real }
        args[0] = Tensor(shape: x.shape, floats: x.levels.map { Float($0) })
        guard let y = try op.run(args).first else { throw OpError("the reference operator produced no output") }
        let levels = try y.floats().map { Int32($0) }
        let result = QTensor(shape: y.shape, levels: levels, params: inParams).requantized(to: outParams, rounding: rounding)
        return AccOutput(outputs: [result], preActivation: nil)
    }
}

/// An accelerator operator with no integer kernel here (Resize linear, Gemm with alpha/beta): the float
/// reference operator on the dequantized inputs, its outputs quantized to their parameters and clamped by a
/// fused activation. The values are what an accelerator with a float-accurate unit would produce.
final class EmulatedKernel: AccKernel {
    private let op: Operator
    private let ctx: KernelContext

    init(_ ctx: KernelContext) throws {
        op = try OperatorRegistry.make(BuildContext(node: ctx.node, opset: ctx.opset, constants: ctx.constants))
        self.ctx = ctx
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let ys = try op.run(inputs.reals)
        guard ys.count >= ctx.outputParams.count else { throw OpError("the reference operator produced \(ys.count) outputs") }
        var outs: [QTensor] = []
        for (i, p) in ctx.outputParams.enumerated() {
            var q = try QTensor.quantize(ys[i], p)
            let c = ctx.clamp(i)
            q.levels = q.levels.map { min(max($0, c.lo), c.hi) }
            outs.append(q)
        }
        return AccOutput(outputs: outs, preActivation: wantPreActivation && ctx.fused != nil ? ys[0] : nil)
    }
}

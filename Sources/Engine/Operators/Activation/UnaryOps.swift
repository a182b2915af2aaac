// One concrete class per unary operator, so `runUnary` is specialized for each kernel.

final class ReluOp: Operator {
    let kernel: ReluKernel
    init(_ context: BuildContext) throws { kernel = try ReluKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class LeakyReluOp: Operator {
    let kernel: LeakyReluKernel
    init(_ context: BuildContext) throws { kernel = try LeakyReluKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class SigmoidOp: Operator {
    let kernel: SigmoidKernel
    init(_ context: BuildContext) throws { kernel = try SigmoidKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class HardSigmoidOp: Operator {
    let kernel: HardSigmoidKernel
    init(_ context: BuildContext) throws { kernel = try HardSigmoidKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class HardSwishOp: Operator {
    let kernel: HardSwishKernel
    init(_ context: BuildContext) throws { kernel = try HardSwishKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class TanhOp: Operator {
    let kernel: TanhKernel
    init(_ context: BuildContext) throws { kernel = try TanhKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class ExpOp: Operator {
    let kernel: ExpKernel
    init(_ context: BuildContext) throws { kernel = try ExpKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class LogOp: Operator {
    let kernel: LogKernel
    init(_ context: BuildContext) throws { kernel = try LogKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class ErfOp: Operator {
    let kernel: ErfKernel
    init(_ context: BuildContext) throws { kernel = try ErfKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class SqrtOp: Operator {
    let kernel: SqrtKernel
    init(_ context: BuildContext) throws { kernel = try SqrtKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class NegOp: Operator {
    let kernel: NegKernel
    init(_ context: BuildContext) throws { kernel = try NegKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class AbsOp: Operator {
    let kernel: AbsKernel
    init(_ context: BuildContext) throws { kernel = try AbsKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class ReciprocalOp: Operator {
    let kernel: ReciprocalKernel
    init(_ context: BuildContext) throws { kernel = try ReciprocalKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class FloorOp: Operator {
    let kernel: FloorKernel
    init(_ context: BuildContext) throws { kernel = try FloorKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class CeilOp: Operator {
    let kernel: CeilKernel
    init(_ context: BuildContext) throws { kernel = try CeilKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class RoundOp: Operator {
    let kernel: RoundKernel
    init(_ context: BuildContext) throws { kernel = try RoundKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class SignOp: Operator {
    let kernel: SignKernel
    init(_ context: BuildContext) throws { kernel = try SignKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class EluOp: Operator {
    let kernel: EluKernel
    init(_ context: BuildContext) throws { kernel = try EluKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class SeluOp: Operator {
    let kernel: SeluKernel
    init(_ context: BuildContext) throws { kernel = try SeluKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class SoftplusOp: Operator {
    let kernel: SoftplusKernel
    init(_ context: BuildContext) throws { kernel = try SoftplusKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

final class SoftsignOp: Operator {
    let kernel: SoftsignKernel
    init(_ context: BuildContext) throws { kernel = try SoftsignKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
}

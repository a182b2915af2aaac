// One concrete class per unary operator, so `runUnary` is specialized for each kernel.

final class ReluOp: InPlaceOperator {
    let kernel: ReluKernel
    init(_ context: BuildContext) throws { kernel = try ReluKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class LeakyReluOp: InPlaceOperator {
    let kernel: LeakyReluKernel
    init(_ context: BuildContext) throws { kernel = try LeakyReluKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class SigmoidOp: InPlaceOperator {
    let kernel: SigmoidKernel
    init(_ context: BuildContext) throws { kernel = try SigmoidKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class HardSigmoidOp: InPlaceOperator {
    let kernel: HardSigmoidKernel
    init(_ context: BuildContext) throws { kernel = try HardSigmoidKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class HardSwishOp: InPlaceOperator {
    let kernel: HardSwishKernel
    init(_ context: BuildContext) throws { kernel = try HardSwishKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class TanhOp: InPlaceOperator {
    let kernel: TanhKernel
    init(_ context: BuildContext) throws { kernel = try TanhKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class ExpOp: InPlaceOperator {
    let kernel: ExpKernel
    init(_ context: BuildContext) throws { kernel = try ExpKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class LogOp: InPlaceOperator {
    let kernel: LogKernel
    init(_ context: BuildContext) throws { kernel = try LogKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class ErfOp: InPlaceOperator {
    let kernel: ErfKernel
    init(_ context: BuildContext) throws { kernel = try ErfKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class SqrtOp: InPlaceOperator {
    let kernel: SqrtKernel
    init(_ context: BuildContext) throws { kernel = try SqrtKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class NegOp: InPlaceOperator {
    let kernel: NegKernel
    init(_ context: BuildContext) throws { kernel = try NegKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class AbsOp: InPlaceOperator {
    let kernel: AbsKernel
    init(_ context: BuildContext) throws { kernel = try AbsKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class ReciprocalOp: InPlaceOperator {
    let kernel: ReciprocalKernel
    init(_ context: BuildContext) throws { kernel = try ReciprocalKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class FloorOp: InPlaceOperator {
    let kernel: FloorKernel
    init(_ context: BuildContext) throws { kernel = try FloorKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class CeilOp: InPlaceOperator {
    let kernel: CeilKernel
    init(_ context: BuildContext) throws { kernel = try CeilKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class RoundOp: InPlaceOperator {
    let kernel: RoundKernel
    init(_ context: BuildContext) throws { kernel = try RoundKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class SignOp: InPlaceOperator {
    let kernel: SignKernel
    init(_ context: BuildContext) throws { kernel = try SignKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class EluOp: InPlaceOperator {
    let kernel: EluKernel
    init(_ context: BuildContext) throws { kernel = try EluKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class SeluOp: InPlaceOperator {
    let kernel: SeluKernel
    init(_ context: BuildContext) throws { kernel = try SeluKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class SoftplusOp: InPlaceOperator {
    let kernel: SoftplusKernel
    init(_ context: BuildContext) throws { kernel = try SoftplusKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

final class SoftsignOp: InPlaceOperator {
    let kernel: SoftsignKernel
    init(_ context: BuildContext) throws { kernel = try SoftsignKernel(context) }
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runUnary(kernel, inputs) }
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) -> Bool { runUnaryInPlace(kernel, &x) }
}

import Foundation

// Element-wise activations and math functions. NaN inputs give NaN outputs throughout: comparisons with NaN
// are false, so `replacing(..., where: x .< 0)` leaves NaN lanes untouched.

struct ReluKernel: UnaryKernel {
    static let name = "Relu"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { x.replacing(with: 0, where: x .< 0) }
    static var acceptsIntegers: Bool { true }
    func integer<T: IntegerElement>(_ x: T) -> T { Swift.max(x, 0) }
}

struct LeakyReluKernel: UnaryKernel {
    static let name = "LeakyRelu"
    let alpha: Float
    init(_ context: BuildContext) throws { alpha = try context.node.float("alpha", default: 0.01) }
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { x.replacing(with: x * alpha, where: x .< 0) }
}

struct SigmoidKernel: UnaryKernel {
    static let name = "Sigmoid"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { 1 / (1 + vectorExp(-x)) }
}

struct HardSigmoidKernel: UnaryKernel {
    static let name = "HardSigmoid"
    let alpha: Float, beta: Float
    init(_ context: BuildContext) throws {
        alpha = try context.node.float("alpha", default: 0.2)
        beta = try context.node.float("beta", default: 0.5)
    }
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { clamp01(x * alpha + beta) }
}

@inline(__always)
func clamp01(_ v: FloatVector) -> FloatVector {
    v.replacing(with: 0, where: v .< 0).replacing(with: 1, where: v .> 1)
}

struct HardSwishKernel: UnaryKernel {
    static let name = "HardSwish"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { x * clamp01(x * (1 / 6 as Float) + 0.5) }
}

struct TanhKernel: UnaryKernel {
    static let name = "Tanh"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { perLane(x, tanhf) }
}

struct ExpKernel: UnaryKernel {
    static let name = "Exp"
    init() {}
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { vectorExp(x) }
}

struct LogKernel: UnaryKernel {
    static let name = "Log"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { perLane(x, logf) }
}

struct ErfKernel: UnaryKernel {
    static let name = "Erf"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { perLane(x, erff) }
}

struct SqrtKernel: UnaryKernel {
    static let name = "Sqrt"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { x.squareRoot() }
}

struct NegKernel: UnaryKernel {
    static let name = "Neg"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { -x }
    static var acceptsIntegers: Bool { true }
    func integer<T: IntegerElement>(_ x: T) -> T { 0 &- x }
}

struct AbsKernel: UnaryKernel {
    static let name = "Abs"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: FloatVector.self)
    }
    static var acceptsIntegers: Bool { true }
    func integer<T: IntegerElement>(_ x: T) -> T { x < 0 ? 0 &- x : x }
}

struct ReciprocalKernel: UnaryKernel {
    static let name = "Reciprocal"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { 1 / x }
}

struct FloorKernel: UnaryKernel {
    static let name = "Floor"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { x.rounded(.down) }
}

struct CeilKernel: UnaryKernel {
    static let name = "Ceil"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { x.rounded(.up) }
}

/// Round: halves go to the even neighbour, as ONNX specifies.
struct RoundKernel: UnaryKernel {
    static let name = "Round"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector { x.rounded(.toNearestOrEven) }
}

struct SignKernel: UnaryKernel {
    static let name = "Sign"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector {
        x.replacing(with: 1, where: x .> 0).replacing(with: -1, where: x .< 0)
    }
    static var acceptsIntegers: Bool { true }
    func integer<T: IntegerElement>(_ x: T) -> T { x > 0 ? 1 : (x == 0 ? 0 : 0 &- 1) }
}

struct EluKernel: UnaryKernel {
    static let name = "Elu"
    let alpha: Float
    init(_ context: BuildContext) throws { alpha = try context.node.float("alpha", default: 1) }
    @inline(__always) func float(_ x: FloatVector) -> FloatVector {
        x.replacing(with: alpha * (vectorExp(x) - 1), where: x .< 0)
    }
}

struct SeluKernel: UnaryKernel {
    static let name = "Selu"
    let alpha: Float, gamma: Float
    init(_ context: BuildContext) throws {
        alpha = try context.node.float("alpha", default: 1.673_263_192_176_818_847_656_25)
        gamma = try context.node.float("gamma", default: 1.050_701_022_148_132_324_218_75)
    }
    @inline(__always) func float(_ x: FloatVector) -> FloatVector {
        gamma * x.replacing(with: alpha * (vectorExp(x) - 1), where: x .<= 0)
    }
}

/// Softplus: log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|) so large inputs neither overflow nor lose
/// precision.
struct SoftplusKernel: UnaryKernel {
    static let name = "Softplus"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector {
        let ax = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: FloatVector.self)
        return x.replacing(with: 0, where: x .< 0) + perLane(vectorExp(-ax), log1pf)
    }
}

struct SoftsignKernel: UnaryKernel {
    static let name = "Softsign"
    init(_ context: BuildContext) throws {}
    @inline(__always) func float(_ x: FloatVector) -> FloatVector {
        let ax = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: FloatVector.self)
        return x / (1 + ax)
    }
}

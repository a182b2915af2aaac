/// One element-wise unary function: a SIMD float form and, for a few ops, an integer form.
protocol UnaryKernel {
    static var name: String { get }
    init(_ context: BuildContext) throws
    func float(_ x: FloatVector) -> FloatVector
    /// Whether `integer` is meaningful for this op.
    static var acceptsIntegers: Bool { get }
    func integer<T: IntegerElement>(_ x: T) -> T
}

extension UnaryKernel {
    static var acceptsIntegers: Bool { false }
    func integer<T: IntegerElement>(_ x: T) -> T { x }
}

/// Applies a unary kernel over a float buffer, eight lanes at a time.
@inline(__always)
func mapFloats<K: UnaryKernel>(_ kernel: K, _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    let tail = n & ~7
    while i < tail {
        storeVector(kernel.float(loadVector(src + i)), dst + i)
        i += 8
    }
    if i < n { storePartial(kernel.float(loadPartial(src + i, n - i)), dst + i, n - i) }
}

/// Runs a unary kernel on float32 tensors (and integer tensors where the op allows them). Called from
/// concrete operator classes so the compiler specializes it per kernel: a generic operator class would run
/// unspecialized, with a witness-table call per vector.
func runUnary<K: UnaryKernel>(_ kernel: K, _ inputs: [Tensor?]) throws -> [Tensor] {
    let x = try inputs.required(0)
    switch x.data {
    case .float(let a):
        let out = makeFloats(a.count) { o in a.withUnsafeBufferPointer { mapFloats(kernel, $0.baseAddress!, o, a.count) } }
        return [Tensor(shape: x.shape, floats: out)]
    case .int64(let a) where K.acceptsIntegers: return [Tensor(shape: x.shape, data: .int64(a.map(kernel.integer)))]
    case .int32(let a) where K.acceptsIntegers: return [Tensor(shape: x.shape, data: .int32(a.map(kernel.integer)))]
    case .int8(let a) where K.acceptsIntegers: return [Tensor(shape: x.shape, data: .int8(a.map(kernel.integer)))]
    case .uint8(let a) where K.acceptsIntegers: return [Tensor(shape: x.shape, data: .uint8(a.map(kernel.integer)))]
    default: throw OpError("\(K.name) does not support \(x.dtype.name) tensors")
    }
}

/// Not: logical negation of a bool tensor.
final class NotOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard case .bool(let a) = x.data else { throw OpError("Not needs a bool tensor, got \(x.dtype.name)") }
        return [Tensor(shape: x.shape, data: .bool(a.map { !$0 }))]
    }
}

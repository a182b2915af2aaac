/// One element-wise comparison.
protocol ComparisonKernel {
    static var name: String { get }
    static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool
}

enum EqualKernel: ComparisonKernel {
    static let name = "Equal"
    @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a == b }
}
enum LessKernel: ComparisonKernel {
    static let name = "Less"
    @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a < b }
}
enum GreaterKernel: ComparisonKernel {
    static let name = "Greater"
    @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a > b }
}
enum LessOrEqualKernel: ComparisonKernel {
    static let name = "LessOrEqual"
    @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a <= b }
}
enum GreaterOrEqualKernel: ComparisonKernel {
    static let name = "GreaterOrEqual"
    @inline(__always) static func compare<T: Comparable>(_ a: T, _ b: T) -> Bool { a >= b }
}

/// Broadcasts a same-typed binary function to a bool-or-any result.
@inline(__always)
func broadcastBinary<T, R>(_ a: Tensor, _ av: [T], _ b: Tensor, _ bv: [T], _ f: (T, T) -> R) throws -> (shape: [Int], values: [R]) {
    let loop = try BroadcastLoop([a.shape, b.shape])
    let sa = loop.innerStrides[0], sb = loop.innerStrides[1], n = loop.inner
    let out: [R] = makeArray(loop.outCount) { o in
        av.withUnsafeBufferPointer { pa in
            bv.withUnsafeBufferPointer { pb in
                loop.forEachRun { outOffset, off in
                    let x = pa.baseAddress! + off[0], y = pb.baseAddress! + off[1], z = o + outOffset
                    for i in 0..<n { z[i] = f(x[i &* sa], y[i &* sb]) }
                }
            }
        }
    }
    return (loop.outShape, out)
}

/// Equal, Less, Greater, LessOrEqual, GreaterOrEqual: broadcast comparisons giving bool tensors.
func runComparison<K: ComparisonKernel>(_: K.Type, _ inputs: [Tensor?]) throws -> [Tensor] {
    let a = try inputs.required(0), b = try inputs.required(1)
    let r: (shape: [Int], values: [Bool])
    switch (a.data, b.data) {
    case let (.float(x), .float(y)): r = try broadcastBinary(a, x, b, y, K.compare)
    case let (.int64(x), .int64(y)): r = try broadcastBinary(a, x, b, y, K.compare)
    case let (.int32(x), .int32(y)): r = try broadcastBinary(a, x, b, y, K.compare)
    case let (.int8(x), .int8(y)): r = try broadcastBinary(a, x, b, y, K.compare)
    case let (.uint8(x), .uint8(y)): r = try broadcastBinary(a, x, b, y, K.compare)
    case let (.bool(x), .bool(y)) where K.self == EqualKernel.self:
        r = try broadcastBinary(a, x, b, y) { $0 == $1 }
    default:
        throw OpError("\(K.name) cannot compare \(a.dtype.name) with \(b.dtype.name)")
    }
    return [Tensor(shape: r.shape, data: .bool(r.values))]
}

/// One element-wise boolean connective.
protocol LogicalKernel {
    static var name: String { get }
    static func apply(_ a: Bool, _ b: Bool) -> Bool
}
enum AndKernel: LogicalKernel {
    static let name = "And"
    @inline(__always) static func apply(_ a: Bool, _ b: Bool) -> Bool { a && b }
}
enum OrKernel: LogicalKernel {
    static let name = "Or"
    @inline(__always) static func apply(_ a: Bool, _ b: Bool) -> Bool { a || b }
}
enum XorKernel: LogicalKernel {
    static let name = "Xor"
    @inline(__always) static func apply(_ a: Bool, _ b: Bool) -> Bool { a != b }
}

/// And, Or, Xor on broadcast bool tensors.
func runLogical<K: LogicalKernel>(_: K.Type, _ inputs: [Tensor?]) throws -> [Tensor] {
    let a = try inputs.required(0), b = try inputs.required(1)
    guard case .bool(let x) = a.data, case .bool(let y) = b.data else {
        throw OpError("\(K.name) needs bool inputs, got \(a.dtype.name) and \(b.dtype.name)")
    }
    let r = try broadcastBinary(a, x, b, y, K.apply)
    return [Tensor(shape: r.shape, data: .bool(r.values))]
    }

final class EqualOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runComparison(EqualKernel.self, inputs) }
}

final class LessOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runComparison(LessKernel.self, inputs) }
}

final class GreaterOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runComparison(GreaterKernel.self, inputs) }
}

final class LessOrEqualOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runComparison(LessOrEqualKernel.self, inputs) }
}

final class GreaterOrEqualOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runComparison(GreaterOrEqualKernel.self, inputs) }
}

final class AndOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runLogical(AndKernel.self, inputs) }
}

final class OrOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runLogical(OrKernel.self, inputs) }
}

final class XorOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try runLogical(XorKernel.self, inputs) }
}

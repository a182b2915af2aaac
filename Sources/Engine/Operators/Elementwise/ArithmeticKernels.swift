import Foundation

/// One binary arithmetic operation, as a SIMD float kernel and a scalar integer kernel.
protocol ArithmeticKernel {
    static var name: String { get }
    static func float(_ a: FloatVector, _ b: FloatVector) -> FloatVector
    /// Integer semantics: wrapping on overflow, division truncating toward zero.
    static func integer<T: IntegerElement>(_ a: T, _ b: T) throws -> T
}

enum AddKernel: ArithmeticKernel {
    static let name = "Add"
    @inline(__always) static func float(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a + b }
    @inline(__always) static func integer<T: IntegerElement>(_ a: T, _ b: T) -> T { a &+ b }
}

enum SubKernel: ArithmeticKernel {
    static let name = "Sub"
    @inline(__always) static func float(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a - b }
    @inline(__always) static func integer<T: IntegerElement>(_ a: T, _ b: T) -> T { a &- b }
}

enum MulKernel: ArithmeticKernel {
    static let name = "Mul"
    @inline(__always) static func float(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a * b }
    @inline(__always) static func integer<T: IntegerElement>(_ a: T, _ b: T) -> T { a &* b }
}

enum DivKernel: ArithmeticKernel {
    static let name = "Div"
    @inline(__always) static func float(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a / b }
    @inline(__always) static func integer<T: IntegerElement>(_ a: T, _ b: T) throws -> T {
        guard b != 0 else { throw OpError("integer division by zero") }
        // Truncates toward zero; Int.min / -1 wraps instead of trapping.
        return a.dividedReportingOverflow(by: b).partialValue
    }
}

enum PowKernel: ArithmeticKernel {
    static let name = "Pow"
    @inline(__always) static func float(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
        var r = FloatVector()
        for i in 0..<8 { r[i] = powf(a[i], b[i]) }
        return r
    }
    static func integer<T: IntegerElement>(_ a: T, _ b: T) -> T {
        // Exponentiation by squaring with wrapping; negative exponents give the truncated reciprocal.
        if b < 0 { return a == 1 ? 1 : (a == 0 - 1 ? (b % 2 == 0 ? 1 : a) : 0) }
        var result: T = 1, base = a, e = b
        while e > 0 {
            if e & 1 == 1 { result = result &* base }
            base = base &* base
            e >>= 1
        }
        return result
    }
}

enum MaxKernel: ArithmeticKernel {
    static let name = "Max"
    /// NaN in either operand propagates, as numpy's maximum does.
    @inline(__always) static func float(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
        b.replacing(with: a, where: (a .> b) .| (a .!= a))
    }
    @inline(__always) static func integer<T: IntegerElement>(_ a: T, _ b: T) -> T { Swift.max(a, b) }
}

enum MinKernel: ArithmeticKernel {
    static let name = "Min"
    @inline(__always) static func float(_ a: FloatVector, _ b: FloatVector) -> FloatVector {
        b.replacing(with: a, where: (a .< b) .| (a .!= a))
    }
    @inline(__always) static func integer<T: IntegerElement>(_ a: T, _ b: T) -> T { Swift.min(a, b) }
}

/// Applies `K` to one run: `n` outputs, operands advancing by `sa`/`sb` (each 0 or 1).
@inline(__always)
func arithmeticRun<K: ArithmeticKernel>(_: K.Type, _ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>,
                                         _ sb: Int, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    let tail = n & ~7
    if sa == 1 && sb == 1 {
        while i < tail {
            storeVector(K.float(loadVector(a + i), loadVector(b + i)), out + i)
            i += 8
        }
        if i < n { storePartial(K.float(loadPartial(a + i, n - i), loadPartial(b + i, n - i, fill: 1)), out + i, n - i) }
    } else if sa == 1 {
        let vb = FloatVector(repeating: b.pointee)
        while i < tail {
            storeVector(K.float(loadVector(a + i), vb), out + i)
            i += 8
        }
        if i < n { storePartial(K.float(loadPartial(a + i, n - i), vb), out + i, n - i) }
    } else if sb == 1 {
        let va = FloatVector(repeating: a.pointee)
        while i < tail {
            storeVector(K.float(va, loadVector(b + i)), out + i)
            i += 8
        }
        if i < n { storePartial(K.float(va, loadPartial(b + i, n - i, fill: 1)), out + i, n - i) }
    } else {
        let v = K.float(FloatVector(repeating: a.pointee), FloatVector(repeating: b.pointee))[0]
        for j in 0..<n { out[j] = v }
    }
}

/// Float broadcast of one arithmetic operation.
func arithmeticFloat<K: ArithmeticKernel>(_ k: K.Type, _ a: Tensor, _ av: [Float], _ b: Tensor, _ bv: [Float]) throws -> Tensor {
    if a.shape == b.shape {
        let out = makeFloats(av.count) { o in
            av.withUnsafeBufferPointer { pa in
                bv.withUnsafeBufferPointer { pb in arithmeticRun(k, pa.baseAddress!, 1, pb.baseAddress!, 1, o, av.count) }
            }
        }
        return Tensor(shape: a.shape, floats: out)
    }
    let loop = try BroadcastLoop([a.shape, b.shape])
    let sa = loop.innerStrides[0], sb = loop.innerStrides[1], n = loop.inner
    let out = makeFloats(loop.outCount) { o in
        av.withUnsafeBufferPointer { pa in
            bv.withUnsafeBufferPointer { pb in
                loop.forEachRun { outOffset, off in
                    arithmeticRun(k, pa.baseAddress! + off[0], sa, pb.baseAddress! + off[1], sb, o + outOffset, n)
                }
            }
        }
    }
    return Tensor(shape: loop.outShape, floats: out)
}

/// Integer broadcast of one arithmetic operation.
func arithmeticInteger<K: ArithmeticKernel, T: IntegerElement>(_ k: K.Type, _ a: Tensor, _ av: [T], _ b: Tensor,
                                                                _ bv: [T]) throws -> Tensor {
    let loop = try BroadcastLoop([a.shape, b.shape])
    let sa = loop.innerStrides[0], sb = loop.innerStrides[1], n = loop.inner
    let out: [T] = try makeArray(loop.outCount) { o in
        try av.withUnsafeBufferPointer { pa in
            try bv.withUnsafeBufferPointer { pb in
                try loop.forEachRun { outOffset, off in
                    let x = pa.baseAddress! + off[0], y = pb.baseAddress! + off[1], z = o + outOffset
                    for i in 0..<n { z[i] = try K.integer(x[i &* sa], y[i &* sb]) }
                }
            }
        }
    }
    return Tensor(shape: loop.outShape, data: T.wrap(out))
}

/// Broadcast `K` over two tensors of the same element type.
func arithmetic<K: ArithmeticKernel>(_ k: K.Type, _ a: Tensor, _ b: Tensor) throws -> Tensor {
    switch (a.data, b.data) {
    case let (.float(x), .float(y)): return try arithmeticFloat(k, a, x, b, y)
    case let (.int64(x), .int64(y)): return try arithmeticInteger(k, a, x, b, y)
    case let (.int32(x), .int32(y)): return try arithmeticInteger(k, a, x, b, y)
    case let (.int8(x), .int8(y)): return try arithmeticInteger(k, a, x, b, y)
    case let (.uint8(x), .uint8(y)): return try arithmeticInteger(k, a, x, b, y)
    default:
        if a.dtype != b.dtype {
            throw OpError("\(K.name) needs operands of one element type, got \(a.dtype.name) and \(b.dtype.name)")
        }
        throw OpError("\(K.name) does not support \(a.dtype.name) tensors")
    }
}

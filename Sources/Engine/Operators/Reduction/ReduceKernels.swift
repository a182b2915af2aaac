/// How one reduction folds elements: a per-element transform, an associative combine, and its identity
/// (the result over an empty set).
protocol ReduceKernel {
    static var identity: Float { get }
    static func prepare(_ v: FloatVector) -> FloatVector
    static func combine(_ a: FloatVector, _ b: FloatVector) -> FloatVector
    /// Folds one integer element into an accumulator (transform included); wraps on overflow.
    static func integer<T: IntegerElement>(_ acc: T, _ x: T) -> T
    static func integerIdentity<T: IntegerElement>(_: T.Type) -> T
}

extension ReduceKernel {
    @inline(__always) static func prepare(_ v: FloatVector) -> FloatVector { v }
    @inline(__always) static func combine(_ a: Float, _ b: Float) -> Float {
        combine(FloatVector(repeating: a), FloatVector(repeating: b))[0]
    }
}

enum SumReduce: ReduceKernel {
    static let identity: Float = 0
    @inline(__always) static func combine(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a + b }
    @inline(__always) static func integer<T: IntegerElement>(_ acc: T, _ x: T) -> T { acc &+ x }
    static func integerIdentity<T: IntegerElement>(_: T.Type) -> T { 0 }
}

enum SumSquareReduce: ReduceKernel {
    static let identity: Float = 0
    @inline(__always) static func prepare(_ v: FloatVector) -> FloatVector { v * v }
    @inline(__always) static func combine(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a + b }
    @inline(__always) static func integer<T: IntegerElement>(_ acc: T, _ x: T) -> T { acc &+ x &* x }
    static func integerIdentity<T: IntegerElement>(_: T.Type) -> T { 0 }
}

enum AbsSumReduce: ReduceKernel {
    static let identity: Float = 0
    @inline(__always) static func prepare(_ v: FloatVector) -> FloatVector {
        unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: FloatVector.self)
    }
    @inline(__always) static func combine(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a + b }
    @inline(__always) static func integer<T: IntegerElement>(_ acc: T, _ x: T) -> T { acc &+ (x < 0 ? 0 &- x : x) }
    static func integerIdentity<T: IntegerElement>(_: T.Type) -> T { 0 }
}

enum ProdReduce: ReduceKernel {
    static let identity: Float = 1
    @inline(__always) static func combine(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a * b }
    @inline(__always) static func integer<T: IntegerElement>(_ acc: T, _ x: T) -> T { acc &* x }
    static func integerIdentity<T: IntegerElement>(_: T.Type) -> T { 1 }
}

/// Max and Min propagate NaN.
enum MaxReduce: ReduceKernel {
    static let identity: Float = -.infinity
    @inline(__always) static func combine(_ a: FloatVector, _ b: FloatVector) -> FloatVector { MaxKernel.float(a, b) }
    @inline(__always) static func integer<T: IntegerElement>(_ acc: T, _ x: T) -> T { Swift.max(acc, x) }
    static func integerIdentity<T: IntegerElement>(_: T.Type) -> T { T.min }
}

enum MinReduce: ReduceKernel {
    static let identity: Float = .infinity
    @inline(__always) static func combine(_ a: FloatVector, _ b: FloatVector) -> FloatVector { MinKernel.float(a, b) }
    @inline(__always) static func integer<T: IntegerElement>(_ acc: T, _ x: T) -> T { Swift.min(acc, x) }
    static func integerIdentity<T: IntegerElement>(_: T.Type) -> T { T.max }
}

/// Reduces `x` (shape `loop.outShape`) into accumulators laid out as the keep-dims output.
func reduceFloat<K: ReduceKernel>(_: K.Type, _ x: [Float], _ loop: BroadcastLoop, outCount: Int) -> [Float] {
    var acc = [Float](repeating: K.identity, count: outCount)
    let s = loop.innerStrides[0], n = loop.inner
    acc.withUnsafeMutableBufferPointer { pa in
        x.withUnsafeBufferPointer { px in
            loop.forEachRun { inOffset, off in
                let src = px.baseAddress! + inOffset, dst = pa.baseAddress! + off[0]
                var i = 0
                let tail = n & ~7
                if s == 0 {
                    var v = FloatVector(repeating: K.identity)
                    while i < tail {
                        v = K.combine(v, K.prepare(loadVector(src + i)))
                        i += 8
                    }
                    if i < n { v = K.combine(v, K.prepare(loadPartial(src + i, n - i, fill: K.identity))) }
                    var r = dst.pointee
                    for l in 0..<8 { r = K.combine(r, v[l]) }
                    dst.pointee = r
                } else {
                    while i < tail {
                        storeVector(K.combine(loadVector(dst + i), K.prepare(loadVector(src + i))), dst + i)
                        i += 8
                    }
                    if i < n {
                        storePartial(K.combine(loadPartial(dst + i, n - i), K.prepare(loadPartial(src + i, n - i))), dst + i, n - i)
                    }
                }
            }
        }
    }
    return acc
}

/// Integer counterpart of `reduceFloat`.
func reduceInteger<K: ReduceKernel, T: IntegerElement>(_: K.Type, _ x: [T], _ loop: BroadcastLoop, outCount: Int) -> [T] {
    var acc = [T](repeating: K.integerIdentity(T.self), count: outCount)
    let s = loop.innerStrides[0], n = loop.inner
    acc.withUnsafeMutableBufferPointer { pa in
        x.withUnsafeBufferPointer { px in
            loop.forEachRun { inOffset, off in
                let src = px.baseAddress! + inOffset, dst = pa.baseAddress! + off[0]
                for i in 0..<n { dst[i &* s] = K.integer(dst[i &* s], src[i]) }
            }
        }
    }
    return acc
}

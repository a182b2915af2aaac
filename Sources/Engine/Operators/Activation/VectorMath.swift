import Foundation

/// exp(x) on eight lanes, within about 2 ulp of `expf` for normal results. Overflows to +inf above ~88.72,
/// underflows to 0 below ~-103.9, and propagates NaN.
///
/// exp(x) = 2^n * exp(r) with n = round(x / ln2) and |r| <= ln2 / 2; exp(r) is a degree-7 minimax polynomial
/// (the classic Cephes coefficients), and 2^n is applied in two halves so denormal results come out right.
@inline(__always)
func vectorExp(_ input: FloatVector) -> FloatVector {
    var x = input
    x.replace(with: 88.8, where: x .> 88.8)
    x.replace(with: -104, where: x .< -104)
    // Round x/ln2 to the nearest integer with the 1.5 * 2^23 trick: no float-to-int conversion that could trap.
    let magic: Float = 12_582_912
    let t = x * 1.442_695_04 + magic
    let n = t - magic
    let r = x.addingProduct(n, FloatVector(repeating: -0.693_359_375)).addingProduct(n, FloatVector(repeating: 2.121_944_4e-4))
    // Horner steps as fused multiply-adds: c + p * r.
    var p = FloatVector(repeating: 1.398_199_950_7e-3).addingProduct(FloatVector(repeating: 1.987_569_15e-4), r)
    p = FloatVector(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
    p = FloatVector(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
    p = FloatVector(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
    p = FloatVector(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
    p = (r + 1).addingProduct(p, r * r)
    let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(FloatVector(repeating: magic), to: SIMD8<Int32>.self)
    let n1 = ni &>> 1
    let n2 = ni &- n1
    let s1 = unsafeBitCast((n1 &+ 127) &<< 23, to: FloatVector.self)
    let s2 = unsafeBitCast((n2 &+ 127) &<< 23, to: FloatVector.self)
    return p * s1 * s2
}

/// Applies a scalar libm function to each lane (for functions without a vector form here).
@inline(__always)
func perLane(_ x: FloatVector, _ f: (Float) -> Float) -> FloatVector {
    var r = FloatVector()
    for i in 0..<8 { r[i] = f(x[i]) }
    return r
}

import Foundation

/// How an integer right shift rounds a value that lies exactly halfway between two integers.
public enum IntegerRounding: String, Sendable {
    /// 2.5 -> 3, -2.5 -> -3 (what most int8 accelerators and gemmlowp's rounding divide do).
    case halfAwayFromZero = "half_away_from_zero"
    /// 2.5 -> 2, 3.5 -> 4, -2.5 -> -2 (banker's rounding).
    case halfToEven = "half_to_even"
}

/// Rescales int32 values by a real factor with integers only, as an int8 accelerator does: the factor is
/// stored as an int32 `multiplier` in [2^30, 2^31) and a right `shift`, so that
/// `factor ≈ multiplier · 2^-shift`; a value becomes `round(x · multiplier / 2^shift)` computed in 64 bits
/// with one explicit rounding step, then offset by the zero point and saturated.
public struct Requantizer: Equatable, Sendable {
    /// The fixed-point mantissa, in [2^30, 2^31) (0 when the factor is 0).
    public let multiplier: Int32
    /// The total right shift applied to `x · multiplier`. Negative means a left shift (factors ≥ 2^31).
    public let shift: Int
    public let rounding: IntegerRounding

    /// Derives (multiplier, shift) from a real factor such as `s_in · s_w / s_out` (like TFLite's
    /// QuantizeMultiplier: split into a mantissa in [0.5, 1) and a power of two, round the mantissa to 31 bits).
    /// The factor is computed once, in double precision, when the kernel is built; no float is used per value.
    public init(factor: Double, rounding: IntegerRounding = .halfAwayFromZero) {
        self.rounding = rounding
        guard factor > 0, factor.isFinite else {
            multiplier = 0
            shift = 0
            return
        }
        let e = factor.exponent                  // factor = m · 2^e with m in [1, 2)
        var m = (factor.significand * Double(1 << 30)).rounded()   // in [2^30, 2^31]
        var exp = Int(e)
        if m == Double(1 << 31) { m /= 2; exp += 1 }
        multiplier = Int32(m)
        // factor ≈ multiplier · 2^(e - 30), so the right shift is 30 - e.
        shift = 30 - exp
    }

    /// A requantizer with an explicit multiplier and shift (for hand-checked vectors).
    public init(multiplier: Int32, shift: Int, rounding: IntegerRounding = .halfAwayFromZero) {
        self.multiplier = multiplier
        self.shift = shift
        self.rounding = rounding
    }

    /// The factor this requantizer really applies.
    public var effectiveFactor: Double { Double(multiplier) * pow(2, Double(-shift)) }

    /// `round(x · multiplier / 2^shift)`, saturated to the int32 range.
    @inline(__always)
    public func scale(_ x: Int32) -> Int32 {
        let p = Int64(x) * Int64(multiplier)   // |p| < 2^62: no overflow
        if shift <= 0 {
            // Left shift for factors ≥ 2^31: saturate instead of overflowing.
            let s = min(-shift, 62)
            let limit = Int64(Int32.max) >> s
            if p > limit { return Int32.max }
            if p < -limit - 1 { return Int32.min }
            return Requantizer.saturate(p << s)
        }
        return Requantizer.saturate(Requantizer.roundingShift(p, shift, rounding))
    }

    /// `scale(x) + zeroPoint`, clamped to [lo, hi] (the output's levels, narrowed by a fused Relu or Clip).
    @inline(__always)
    public func apply(_ x: Int32, zeroPoint: Int32, lo: Int32, hi: Int32) -> Int32 {
        let v = Int64(scale(x)) + Int64(zeroPoint)
        return Int32(min(max(v, Int64(lo)), Int64(hi)))
    }

    /// `apply(x[i] &+ plus, ...)` for `count` values: the same results as the scalar `apply`, with the shift and
    /// rounding mode decided once per call instead of per value.
    public func apply(_ x: UnsafePointer<Int32>, plus bias: Int32, count: Int, zeroPoint: Int32, lo: Int32, hi: Int32,
                      into out: UnsafeMutablePointer<Int32>) {
        applyEach(count: count, plus: bias, zeroPoint: zeroPoint, lo: lo, hi: hi, into: out) { x[$0] }
    }

    /// `apply` on int32 values held as floats (integers of magnitude below 2^51, as an exact sgemm leaves
    /// them), converted on the fly as `ExactIntGemm.addIntegers` converts them: one pass instead of two.
    func apply(floats x: UnsafePointer<Float>, plus bias: Int32, count: Int, zeroPoint: Int32, lo: Int32, hi: Int32,
               into out: UnsafeMutablePointer<Int32>) {
        applyEach(count: count, plus: bias, zeroPoint: zeroPoint, lo: lo, hi: hi, into: out) {
            Int32(truncatingIfNeeded: (Double(x[$0]) + 6_755_399_441_055_744.0).bitPattern)
        }
    }

    /// The batch requantization of the value `load(i)` for each `i` in `0..<count`.
    @inline(__always)
    private func applyEach(count: Int, plus bias: Int32, zeroPoint: Int32, lo: Int32, hi: Int32,
                           into out: UnsafeMutablePointer<Int32>, _ load: (Int) -> Int32) {
        // The int32 saturation of `scale` can be skipped when the clamp alone gives the same result: a value
        // saturated at Int32.max lands at hi anyway when hi ≤ Int32.max + zeroPoint (and likewise below).
        let zp = Int64(zeroPoint), low = Int64(lo), high = Int64(hi)
        guard shift > 0, shift < 63, low <= high,
              high <= Int64(Int32.max) + zp, low >= Int64(Int32.min) + zp else {
            for i in 0..<count { out[i] = apply(load(i) &+ bias, zeroPoint: zeroPoint, lo: lo, hi: hi) }
            return
        }
        let s = UInt64(shift), mult = Int64(multiplier)
        if rounding == .halfAwayFromZero {
            // round(p / 2^s), ties away from zero, is floor((p + 2^(s-1) - [p < 0]) / 2^s). Adding 2^62 makes the
            // dividend non-negative (|p| < 2^62) so that a logical shift floors it; the 2^(62-s) this adds to the
            // quotient is taken back with the zero point. Only operations AVX2 has for 64-bit lanes remain.
            let offset = (Int64(1) << Int64(shift - 1)) + (Int64(1) << 62)
            let base = zp - (Int64(1) << Int64(62 - shift))
            for i in 0..<count {
                let p = Int64(load(i) &+ bias) * mult
                let dividend = UInt64(bitPattern: p &+ offset &+ (p < 0 ? -1 : 0))
                let v = Int64(bitPattern: dividend >> s) &+ base
                out[i] = Int32(truncatingIfNeeded: min(max(v, low), high))
            }
            return
        }
        // Ties to even: (|p| + 2^(s-1) - 1 + bit s of |p|) >> s, with the sign put back.
        let offset = (UInt64(1) << (s - 1)) - 1
        for i in 0..<count {
            let p = Int64(load(i) &+ bias) * mult
            let negative = p < 0
            let magnitude = UInt64(bitPattern: negative ? 0 &- p : p)
            let q = Int64(bitPattern: (magnitude &+ offset &+ ((magnitude >> s) & 1)) >> s)
            let v = (negative ? 0 &- q : q) &+ zp
            out[i] = Int32(truncatingIfNeeded: min(max(v, low), high))
        }
    }

    /// `apply(x - minus, ...)` for every value of `x` (levels with their zero point removed).
    func applied(to x: [Int32], minus: Int32, zeroPoint: Int32, lo: Int32, hi: Int32) -> [Int32] {
        guard !x.isEmpty else { return [] }
        return [Int32](unsafeUninitializedCapacity: x.count) { out, initialized in
            x.withUnsafeBufferPointer { xp in
                apply(xp.baseAddress!, plus: 0 &- minus, count: x.count, zeroPoint: zeroPoint, lo: lo, hi: hi, into: out.baseAddress!)
            }
            initialized = x.count
        }
    }

    /// `p / 2^s` rounded to the nearest integer, ties by `mode`; `s` ≥ 1.
    @inline(__always)
    static func roundingShift(_ p: Int64, _ s: Int, _ mode: IntegerRounding) -> Int64 {
        if s >= 63 { return 0 }   // |p| < 2^62 ≤ 2^(s-1): rounds to zero
        let half = Int64(1) << (s - 1)
        let magnitude = p < 0 ? -p : p
        var q = magnitude >> s
        let rem = magnitude - (q << s)
        switch mode {
        case .halfAwayFromZero:
            if rem >= half { q += 1 }
        case .halfToEven:
            if rem > half || (rem == half && q & 1 == 1) { q += 1 }
        }
        return p < 0 ? -q : q
    }

    @inline(__always)
    static func saturate(_ v: Int64) -> Int32 { Int32(min(max(v, Int64(Int32.min)), Int64(Int32.max))) }
}

/// Integer division rounded to nearest (for averages): `n / d` with `d` > 0.
@inline(__always)
func roundedDivide(_ n: Int64, _ d: Int64, _ mode: IntegerRounding) -> Int64 {
    let magnitude = n < 0 ? -n : n
    var q = magnitude / d
    let rem2 = (magnitude - q * d) * 2
    switch mode {
    case .halfAwayFromZero: if rem2 >= d { q += 1 }
    case .halfToEven: if rem2 > d || (rem2 == d && q & 1 == 1) { q += 1 }
    }
    return n < 0 ? -q : q
}

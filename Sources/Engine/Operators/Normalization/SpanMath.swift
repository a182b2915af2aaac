/// SIMD reductions over a contiguous run of floats, shared by pooling and normalization.
enum SpanMath {
    /// The sum of `n` floats, eight lanes at a time.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// The sum of squared deviations from `mean`.
    @inline(__always)
    static func squaredDeviation(_ p: UnsafePointer<Float>, _ n: Int, mean: Float) -> Float {
        let m = SIMD8<Float>(repeating: mean)
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i + 8 <= n {
            let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - m
            acc.addProduct(d, d)
            i += 8
        }
        var s = acc.sum()
        while i < n { let d = p[i] - mean; s += d * d; i += 1 }
        return s
    }

    /// The largest of `n >= 1` floats; NaN if any element is NaN.
    static func max(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var best = p[0]
        for i in 0..<n {
            let v = p[i]
            if v.isNaN { return v }
            if v > best { best = v }
        }
        return best
    }

    /// dst[i] = src[i] * scale + shift over `n` floats.
    @inline(__always)
    static func affine(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
                       scale: Float, shift: Float) {
        let a = SIMD8<Float>(repeating: scale), b = SIMD8<Float>(repeating: shift)
        var i = 0
        while i + 8 <= n {
            var v = b
            v.addProduct(UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self), a)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: v, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n { dst[i] = src[i] * scale + shift; i += 1 }
    }
}

extension SpanMath {
    /// An array of `n` floats left uninitialized, for outputs a kernel overwrites completely (saves a pass).
    static func uninitialized(_ n: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: n) { _, count in count = n }
    }
}

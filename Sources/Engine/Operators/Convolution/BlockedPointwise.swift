/// Pointwise (1x1, stride 1, no padding) convolution on channel-blocked tensors (`BlockedLayout`). A tile of
/// two output channel blocks by eight pixels keeps sixteen accumulators; each input channel then costs two
/// weight-vector loads and eight broadcasts for sixteen FMAs. Weights are packed once, so unlike a BLAS call
/// nothing is repacked per run.
enum BlockedPointwise {
    private static let lanes = BlockedLayout.lanes

    /// `input` is [N][input blocks][P][lanes]; `output` [N][output blocks][P][lanes]. `weights` is
    /// [output blocks][channels][lanes] and `bias` [output blocks][lanes].
    static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>, batch: Int, channels C: Int, outputBlocks: Int,
                    pixels P: Int, clamp: FloatClamp?, epilogue: BlockedEpilogue.Pointers?) {
        let inBlocks = BlockedLayout.blocks(C)
        for n in 0..<batch {
            let src = input + n * inBlocks * P * lanes
            let dst = output + n * outputBlocks * P * lanes
            var ob = 0
            while ob < outputBlocks {
                let pair = ob + 2 <= outputBlocks
                let w0 = weights + ob * C * lanes
                let w1 = pair ? w0 + C * lanes : w0
                let b0 = bias + ob * lanes, b1 = pair ? b0 + lanes : b0
                let d0 = dst + ob * P * lanes, d1 = pair ? d0 + P * lanes : d0
                var p = 0
                while p + 8 <= P {
                    tile(src + p * lanes, w0, w1, b0, b1, d0 + p * lanes, d1 + p * lanes, C: C, P: P, clamp)
                    // A normalization or an activation other than a clamp: over the tile just written, in cache.
                    epilogue?.apply(inPlace: d0 + p * lanes, vectors: 8, block: ob)
                    if pair { epilogue?.apply(inPlace: d1 + p * lanes, vectors: 8, block: ob + 1) }
                    p += 8
                }
                while p < P {
                    single(src + p * lanes, w0, w1, b0, b1, d0 + p * lanes, d1 + p * lanes, C: C, P: P, clamp)
                    epilogue?.apply(inPlace: d0 + p * lanes, vectors: 1, block: ob)
                    if pair { epilogue?.apply(inPlace: d1 + p * lanes, vectors: 1, block: ob + 1) }
                    p += 1
                }
                ob += pair ? 2 : 1
            }
        }
    }

    /// Eight pixels starting at `x` (in the first input block) for output blocks `w0` and `w1` (the same block
    /// twice when only one is left; the second results then overwrite the first with equal values).
    @inline(__always)
    private static func tile(_ x: UnsafePointer<Float>, _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>,
                             _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>, _ d0: UnsafeMutablePointer<Float>,
                             _ d1: UnsafeMutablePointer<Float>, C: Int, P: Int, _ clamp: FloatClamp?) {
        var a0 = BlockedLayout.load(b0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
        var c0 = BlockedLayout.load(b1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0
        var ic = 0
        while ic < C {
            let block = x + (ic / lanes) * P * lanes
            let end = min(C, ic + lanes - ic % lanes)
            while ic < end {
                let s = block + ic % lanes
                let u = BlockedLayout.load(w0 + ic * lanes), v = BlockedLayout.load(w1 + ic * lanes)
                var e = WideFloats(repeating: s[0])
                a0.addProduct(u, e); c0.addProduct(v, e)
                e = WideFloats(repeating: s[lanes]); a1.addProduct(u, e); c1.addProduct(v, e)
                e = WideFloats(repeating: s[2 * lanes]); a2.addProduct(u, e); c2.addProduct(v, e)
                e = WideFloats(repeating: s[3 * lanes]); a3.addProduct(u, e); c3.addProduct(v, e)
                e = WideFloats(repeating: s[4 * lanes]); a4.addProduct(u, e); c4.addProduct(v, e)
                e = WideFloats(repeating: s[5 * lanes]); a5.addProduct(u, e); c5.addProduct(v, e)
                e = WideFloats(repeating: s[6 * lanes]); a6.addProduct(u, e); c6.addProduct(v, e)
                e = WideFloats(repeating: s[7 * lanes]); a7.addProduct(u, e); c7.addProduct(v, e)
                ic += 1
            }
        }
        BlockedLayout.store(a0, d0, clamp); BlockedLayout.store(a1, d0 + lanes, clamp); BlockedLayout.store(a2, d0 + 2 * lanes, clamp)
        BlockedLayout.store(a3, d0 + 3 * lanes, clamp); BlockedLayout.store(a4, d0 + 4 * lanes, clamp); BlockedLayout.store(a5, d0 + 5 * lanes, clamp)
        BlockedLayout.store(a6, d0 + 6 * lanes, clamp); BlockedLayout.store(a7, d0 + 7 * lanes, clamp)
        BlockedLayout.store(c0, d1, clamp); BlockedLayout.store(c1, d1 + lanes, clamp); BlockedLayout.store(c2, d1 + 2 * lanes, clamp)
        BlockedLayout.store(c3, d1 + 3 * lanes, clamp); BlockedLayout.store(c4, d1 + 4 * lanes, clamp); BlockedLayout.store(c5, d1 + 5 * lanes, clamp)
        BlockedLayout.store(c6, d1 + 6 * lanes, clamp); BlockedLayout.store(c7, d1 + 7 * lanes, clamp)
    }

    /// One pixel, for the end of a row of pixels.
    @inline(__always)
    private static func single(_ x: UnsafePointer<Float>, _ w0: UnsafePointer<Float>, _ w1: UnsafePointer<Float>,
                               _ b0: UnsafePointer<Float>, _ b1: UnsafePointer<Float>, _ d0: UnsafeMutablePointer<Float>,
                               _ d1: UnsafeMutablePointer<Float>, C: Int, P: Int, _ clamp: FloatClamp?) {
        var a = BlockedLayout.load(b0), c = BlockedLayout.load(b1)
        for ic in 0..<C {
            let e = WideFloats(repeating: x[(ic / lanes) * P * lanes + ic % lanes])
            a.addProduct(BlockedLayout.load(w0 + ic * lanes), e)
            c.addProduct(BlockedLayout.load(w1 + ic * lanes), e)
        }
        BlockedLayout.store(a, d0, clamp)
        BlockedLayout.store(c, d1, clamp)
    }
}

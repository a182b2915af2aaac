/// Depthwise 2-D convolution (multiplier 1) on channel-blocked tensors (`BlockedLayout`): every tap of every
/// output pixel is one aligned vector load and one FMA over `lanes` channels, for any kernel, stride,
/// dilation and padding. Eight output pixels are computed together (eight FMA chains). Pixels whose window
/// crosses the left or right border take a per-tap bounds-checked path; rows use only their valid taps.
enum BlockedDepthwise {
    private static let lanes = BlockedLayout.lanes

    /// `input` is [blocks][H][W][lanes] (every batch's blocks in a row), `output` [blocks][OH][OW][lanes].
    /// `weights` is [channel blocks][KH][KW][lanes] and `bias` [channel blocks][lanes]; block `i` uses
    /// weight block `i % channelBlocks`.
    static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>, blocks: Int, channelBlocks: Int, geometry g: WindowGeometry,
                    clamp: FloatClamp?, epilogue: BlockedEpilogue.Pointers?) {
        let (H, W, OH, OW) = (g.h.input, g.w.input, g.h.output, g.w.output)
        let (KH, KW) = (g.h.kernel, g.w.kernel)
        let (sw, dw, pw) = (g.w.stride, g.w.dilation, g.w.padBegin)
        // Output columns whose whole window lies inside the row: no bounds checks there.
        let interiorStart = min(OW, (pw + sw - 1) / sw)
        let lastStart = W - 1 - (KW - 1) * dw + pw  // the largest ow * sw with the window inside
        let interiorEnd = lastStart < 0 ? interiorStart : max(interiorStart, min(OW, lastStart / sw + 1))
        for blk in 0..<blocks {
            let src = input + blk * H * W * lanes
            let dst = output + blk * OH * OW * lanes
            let wb = weights + (blk % channelBlocks) * KH * KW * lanes
            let b = bias + (blk % channelBlocks) * lanes
            for oh in 0..<OH {
                let taps = g.h.validTaps(oh)
                let top = oh * g.h.stride - g.h.padBegin
                let outRow = dst + oh * OW * lanes
                for ow in 0..<interiorStart {
                    border(src, wb, b, outRow + ow * lanes, g, taps, top, ow, clamp)
                }
                var ow = interiorStart
                while ow + 8 <= interiorEnd {
                    eight(src, wb, b, outRow + ow * lanes, W: W, KW: KW, taps: taps, top: top, dh: g.h.dilation,
                          left: ow * sw - pw, sw: sw, dw: dw, clamp)
                    ow += 8
                }
                while ow < interiorEnd {
                    border(src, wb, b, outRow + ow * lanes, g, taps, top, ow, clamp)
                    ow += 1
                }
                for ow in max(interiorEnd, interiorStart)..<OW {
                    border(src, wb, b, outRow + ow * lanes, g, taps, top, ow, clamp)
                }
                // A normalization or an activation other than a clamp: over the row just written, still in cache.
                epilogue?.apply(inPlace: outRow, vectors: OW, block: blk % channelBlocks)
            }
        }
    }

    /// Eight output pixels whose windows lie inside the row; `left` is the first one's leftmost input column.
    @inline(__always)
    private static func eight(_ src: UnsafePointer<Float>, _ wb: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                              _ out: UnsafeMutablePointer<Float>, W: Int, KW: Int, taps: Range<Int>, top: Int,
                              dh: Int, left: Int, sw: Int, dw: Int, _ clamp: FloatClamp?) {
        let start = BlockedLayout.load(bias)
        var a0 = start, a1 = start, a2 = start, a3 = start
        var a4 = start, a5 = start, a6 = start, a7 = start
        let step = sw * lanes
        for kh in taps {
            let row = src + ((top + kh * dh) * W + left) * lanes
            let wr = wb + kh * KW * lanes
            for kw in 0..<KW {
                let w = BlockedLayout.load(wr + kw * lanes)
                let p = row + kw * dw * lanes
                a0.addProduct(w, BlockedLayout.load(p))
                a1.addProduct(w, BlockedLayout.load(p + step))
                a2.addProduct(w, BlockedLayout.load(p + 2 * step))
                a3.addProduct(w, BlockedLayout.load(p + 3 * step))
                a4.addProduct(w, BlockedLayout.load(p + 4 * step))
                a5.addProduct(w, BlockedLayout.load(p + 5 * step))
                a6.addProduct(w, BlockedLayout.load(p + 6 * step))
                a7.addProduct(w, BlockedLayout.load(p + 7 * step))
            }
        }
        BlockedLayout.store(a0, out, clamp)
        BlockedLayout.store(a1, out + lanes, clamp)
        BlockedLayout.store(a2, out + 2 * lanes, clamp)
        BlockedLayout.store(a3, out + 3 * lanes, clamp)
        BlockedLayout.store(a4, out + 4 * lanes, clamp)
        BlockedLayout.store(a5, out + 5 * lanes, clamp)
        BlockedLayout.store(a6, out + 6 * lanes, clamp)
        BlockedLayout.store(a7, out + 7 * lanes, clamp)
    }

    /// One output pixel, reading only the taps inside the input.
    @inline(__always)
    private static func border(_ src: UnsafePointer<Float>, _ wb: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                               _ out: UnsafeMutablePointer<Float>, _ g: WindowGeometry, _ taps: Range<Int>, _ top: Int,
                               _ ow: Int, _ clamp: FloatClamp?) {
        var acc = BlockedLayout.load(bias)
        let columns = g.w.validTaps(ow)
        let left = ow * g.w.stride - g.w.padBegin
        for kh in taps {
            let row = src + (top + kh * g.h.dilation) * g.w.input * lanes
            for kw in columns {
                acc.addProduct(BlockedLayout.load(wb + (kh * g.w.kernel + kw) * lanes), BlockedLayout.load(row + (left + kw * g.w.dilation) * lanes))
            }
        }
        BlockedLayout.store(acc, out, clamp)
    }
}

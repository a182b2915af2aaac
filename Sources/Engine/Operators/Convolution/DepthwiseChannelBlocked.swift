/// Depthwise 2-D convolution (one input channel per group, channel multiplier 1) computed across channels:
/// eight channels share every vector. For each block of eight channels the input is copied once into a
/// zero-padded buffer in [row][column][8 channels] order (an 8x8 register transpose per eight pixels), so
/// each tap of eight output pixels is eight full-vector FMAs with one weight vector and no broadcasts, for
/// any stride or dilation and without the per-row bookkeeping of a plane-at-a-time kernel. The eight pixels'
/// accumulators are transposed back and stored as eight output rows of the NCHW output.
/// Large kernels and narrow outputs are where this pays (see `prefers`): a plane-at-a-time kernel spends much of
/// its time there on padding short rows and on vectors that rows do not fill.
enum DepthwiseChannelBlocked {
    static let lanes = 8

    /// Whether this kernel can take the layer: two spatial axes at most, multiplier 1.
    static func supports(_ g: WindowGeometry, multiplier: Int) -> Bool {
        multiplier == 1 && g.d.kernel == 1 && g.d.input == 1 && g.d.output == 1
    }

    /// Whether it is the faster kernel for the layer, as measured layer by layer on PP-LCNet and UltraFace:
    /// kernels larger than 3x3, and outputs at most 40 wide. A 3x3 window over wide rows is as fast or faster
    /// plane at a time, where long rows amortise the padding and the transposes would cost more.
    static func prefers(_ g: WindowGeometry) -> Bool {
        g.h.kernel * g.w.kernel > 9 || g.w.output <= 40
    }

    /// Writes the whole output [N, C, OH, OW] from the input [N, C, H, W] and weights [C, 1, KH, KW]; the
    /// accumulators start from the bias (or zero) and `clamp` (a fused activation) is applied as they are
    /// stored.
    static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, geometry g: WindowGeometry,
                    clamp: FloatClamp?) {
        let (H, W, OH, OW) = (g.h.input, g.w.input, g.h.output, g.w.output)
        let (KH, KW, sh, sw, dh, dw) = (g.h.kernel, g.w.kernel, g.h.stride, g.w.stride, g.h.dilation, g.w.dilation)
        let taps = KH * KW
        let blocks = (channels + lanes - 1) / lanes
        // The padded buffer covers exactly what the windows read.
        let PH = (OH - 1) * sh + g.h.span, PW = (OW - 1) * sw + g.w.span
        let (top, left) = (g.h.padBegin, g.w.padBegin)
        // Slack: the last group of pixels in a row loads all eight, past the row's end.
        let slack = lanes * lanes * sw + lanes
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: PH * PW * lanes + slack)
        defer { buffer.deallocate() }
        (buffer + PH * PW * lanes).initialize(repeating: 0, count: slack)
        // Weights and bias as [block][tap][8], zero beyond the last channel.
        let packed = UnsafeMutablePointer<Float>.allocate(capacity: blocks * (taps + 1) * lanes)
        defer { packed.deallocate() }
        packed.initialize(repeating: 0, count: blocks * (taps + 1) * lanes)
        for c in 0..<channels {
            let (blk, lane) = (c / lanes, c % lanes)
            let dst = packed + blk * (taps + 1) * lanes + lane
            for t in 0..<taps { dst[t * lanes] = weights[c * taps + t] }
            if let bias { dst[taps * lanes] = bias[c] }
        }
        // Which padded rows and columns hold input (the rest stay zero).
        let rowsIn = max(0, min(H, PH - top)), colsIn = max(0, min(W, PW - left))

        for b in 0..<batch {
            for blk in 0..<blocks {
                let c0 = blk * lanes
                let valid = min(lanes, channels - c0)
                let src = input + (b * channels + c0) * H * W
                fill(buffer, from: src, planeSize: H * W, width: W, valid: valid, rows: PH, cols: PW,
                     top: top, left: left, rowsIn: rowsIn, colsIn: colsIn)
                let wb = UnsafePointer(packed + blk * (taps + 1) * lanes)
                let start = UnsafeRawPointer(wb + taps * lanes).loadUnaligned(as: SIMD8<Float>.self)
                let out = output + (b * channels + c0) * OH * OW
                for oh in 0..<OH {
                    let rowBase = UnsafePointer(buffer) + oh * sh * PW * lanes
                    var ow = 0
                    while ow < OW {
                        let n = min(lanes, OW - ow)
                        var acc = accumulate(rowBase + ow * sw * lanes, wb, start, rowFloats: PW * lanes,
                                             kernel: (KH, KW), dilation: (dh, dw), stride: sw)
                        // The clamp is element-wise: applied before the transpose, on the accumulators.
                        if let clamp {
                            acc = (clamp.apply(acc.0), clamp.apply(acc.1), clamp.apply(acc.2), clamp.apply(acc.3),
                                   clamp.apply(acc.4), clamp.apply(acc.5), clamp.apply(acc.6), clamp.apply(acc.7))
                        }
                        // Rows are pixels, columns channels; transposed, vector l holds channel l's pixels.
                        storeChannels(Transpose8x8.apply(acc), out + oh * OW + ow, plane: OH * OW,
                                      count: n, channels: valid)
                        ow += lanes
                    }
                }
            }
        }
    }

    /// Eight output pixels of one channel block: `r` is the first pixel's window origin in the padded buffer.
    /// Kept out of line: inlined into the loops above, the compiler stops inlining the vector loads.
    @inline(never)
    private static func accumulate(_ r: UnsafePointer<Float>, _ wb: UnsafePointer<Float>, _ start: SIMD8<Float>,
                                   rowFloats: Int, kernel: (Int, Int), dilation: (Int, Int),
                                   stride sw: Int) -> Transpose8x8.Rows {
        var a0 = start, a1 = start, a2 = start, a3 = start
        var a4 = start, a5 = start, a6 = start, a7 = start
        let step = sw * lanes
        for kh in 0..<kernel.0 {
            let row = r + kh * dilation.0 * rowFloats
            let wr = wb + kh * kernel.1 * lanes
            for kw in 0..<kernel.1 {
                let w = UnitStrideLoad.load(wr + kw * lanes, stride: 1)
                let p = row + kw * dilation.1 * lanes
                a0.addProduct(w, UnitStrideLoad.load(p, stride: 1))
                a1.addProduct(w, UnitStrideLoad.load(p + step, stride: 1))
                a2.addProduct(w, UnitStrideLoad.load(p + 2 * step, stride: 1))
                a3.addProduct(w, UnitStrideLoad.load(p + 3 * step, stride: 1))
                a4.addProduct(w, UnitStrideLoad.load(p + 4 * step, stride: 1))
                a5.addProduct(w, UnitStrideLoad.load(p + 5 * step, stride: 1))
                a6.addProduct(w, UnitStrideLoad.load(p + 6 * step, stride: 1))
                a7.addProduct(w, UnitStrideLoad.load(p + 7 * step, stride: 1))
            }
        }
        return (a0, a1, a2, a3, a4, a5, a6, a7)
    }

    /// Stores `count` pixels of each of the first `channels` vectors, `plane` floats apart.
    @inline(__always)
    private static func storeChannels(_ t: Transpose8x8.Rows, _ d: UnsafeMutablePointer<Float>, plane: Int,
                                      count: Int, channels: Int) {
        @inline(__always) func st(_ v: SIMD8<Float>, _ c: Int) {
            UnsafeMutableRawPointer(d + c * plane).storeBytes(of: v, as: SIMD8<Float>.self)
        }
        if count == lanes && channels == lanes {
            st(t.0, 0); st(t.1, 1); st(t.2, 2); st(t.3, 3); st(t.4, 4); st(t.5, 5); st(t.6, 6); st(t.7, 7)
            return
        }
        // The edge of a row or the last channel block: vector by vector from the tuple's bytes.
        withUnsafeBytes(of: t) { raw in
            for c in 0..<channels {
                PartialVector.store(raw.loadUnaligned(fromByteOffset: c * 32, as: SIMD8<Float>.self), d + c * plane,
                                    count: count)
            }
        }
    }

    /// Copies `valid` channel planes (H x W, `planeSize` apart) into the [row][column][8] buffer with the
    /// input at (top, left); everything else, and the lanes past `valid`, is zero.
    private static func fill(_ buffer: UnsafeMutablePointer<Float>, from src: UnsafePointer<Float>, planeSize: Int,
                             width W: Int, valid: Int, rows PH: Int, cols PW: Int, top: Int, left: Int,
                             rowsIn: Int, colsIn: Int) {
        let rowFloats = PW * lanes
        let firstRow = min(top, PH), endRow = min(PH, top + rowsIn)
        if firstRow > 0 { buffer.update(repeating: 0, count: firstRow * rowFloats) }
        if endRow < PH { (buffer + endRow * rowFloats).update(repeating: 0, count: (PH - endRow) * rowFloats) }
        let leftZeros = min(left, PW), rightStart = min(PW, left + colsIn)
        for r in firstRow..<max(firstRow, endRow) {
            let row = buffer + r * rowFloats
            if leftZeros > 0 { row.update(repeating: 0, count: leftZeros * lanes) }
            if rightStart < PW { (row + rightStart * lanes).update(repeating: 0, count: (PW - rightStart) * lanes) }
            let line = src + (r - top) * W
            let dst = row + left * lanes
            var x = 0
            if valid == lanes {
                while x + lanes <= colsIn {
                    interleave(line + x, planeSize: planeSize, into: dst + x * lanes)
                    x += lanes
                }
            }
            while x < colsIn {
                let o = dst + x * lanes
                for c in 0..<lanes { o[c] = c < valid ? line[c * planeSize + x] : 0 }
                x += 1
            }
        }
    }
}

extension DepthwiseChannelBlocked {
    /// Eight pixels of eight channel planes (`planeSize` apart) stored as eight [8 channels] vectors.
    @inline(never)
    static func interleave(_ p: UnsafePointer<Float>, planeSize: Int, into dst: UnsafeMutablePointer<Float>) {
        @inline(__always) func ld(_ c: Int) -> SIMD8<Float> { UnitStrideLoad.load(p + c * planeSize, stride: 1) }
        // Rows are channels, columns pixels; transposed, vector j holds pixel j's channels.
        let t = Transpose8x8.apply((ld(0), ld(1), ld(2), ld(3), ld(4), ld(5), ld(6), ld(7)))
        @inline(__always) func st(_ v: SIMD8<Float>, _ j: Int) {
            UnsafeMutableRawPointer(dst + j * lanes).storeBytes(of: v, as: SIMD8<Float>.self)
        }
        st(t.0, 0); st(t.1, 1); st(t.2, 2); st(t.3, 3); st(t.4, 4); st(t.5, 5); st(t.6, 6); st(t.7, 7)
    }
}

/// The transpose of an 8x8 matrix held as eight row vectors: the classic unpack / shuffle / lane-swap
/// sequence, written as element-wise vector builds that the compiler turns into single shuffles.
enum Transpose8x8 {
    typealias Rows = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>,
                      SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// Interleaves the low (`high` false) or high pairs of each 128-bit half (unpcklps / unpckhps).
    @inline(__always)
    private static func unpack(_ a: SIMD8<Float>, _ b: SIMD8<Float>, high: Bool) -> SIMD8<Float> {
        high ? SIMD8(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7])
             : SIMD8(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5])
    }

    /// Two floats of each 128-bit half from `a`, then two from `b` (shufps 0x44 / 0xEE).
    @inline(__always)
    private static func pairs(_ a: SIMD8<Float>, _ b: SIMD8<Float>, high: Bool) -> SIMD8<Float> {
        high ? SIMD8(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7])
             : SIMD8(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5])
    }

    /// Returns the columns of `m` (given as rows).
    @inline(__always)
    static func apply(_ m: Rows) -> Rows {
        let t0 = unpack(m.0, m.1, high: false), t1 = unpack(m.0, m.1, high: true)
        let t2 = unpack(m.2, m.3, high: false), t3 = unpack(m.2, m.3, high: true)
        let t4 = unpack(m.4, m.5, high: false), t5 = unpack(m.4, m.5, high: true)
        let t6 = unpack(m.6, m.7, high: false), t7 = unpack(m.6, m.7, high: true)
        let s0 = pairs(t0, t2, high: false), s1 = pairs(t0, t2, high: true)
        let s2 = pairs(t1, t3, high: false), s3 = pairs(t1, t3, high: true)
        let s4 = pairs(t4, t6, high: false), s5 = pairs(t4, t6, high: true)
        let s6 = pairs(t5, t7, high: false), s7 = pairs(t5, t7, high: true)
        return (SIMD8(lowHalf: s0.lowHalf, highHalf: s4.lowHalf), SIMD8(lowHalf: s1.lowHalf, highHalf: s5.lowHalf),
                SIMD8(lowHalf: s2.lowHalf, highHalf: s6.lowHalf), SIMD8(lowHalf: s3.lowHalf, highHalf: s7.lowHalf),
                SIMD8(lowHalf: s0.highHalf, highHalf: s4.highHalf), SIMD8(lowHalf: s1.highHalf, highHalf: s5.highHalf),
                SIMD8(lowHalf: s2.highHalf, highHalf: s6.highHalf), SIMD8(lowHalf: s3.highHalf, highHalf: s7.highHalf))
    }
}

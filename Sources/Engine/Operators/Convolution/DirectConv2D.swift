import Foundation

/// A clamp applied to a convolution's output as it is stored (a fused Relu or Clip). NaN stays NaN, as in
/// the standalone operators.
struct FloatClamp {
    var lower: Float
    var upper: Float

    static let relu = FloatClamp(lower: 0, upper: .infinity)

    @inline(__always)
    func apply(_ v: SIMD8<Float>) -> SIMD8<Float> {
        v.replacing(with: lower, where: v .< lower).replacing(with: upper, where: v .> upper)
    }

    @inline(__always)
    func apply(_ v: Float) -> Float { v < lower ? lower : (v > upper ? upper : v) }
}

/// Direct 2-D convolution for layers with few input channels per group (the first layer of a network, the
/// small 3x3 and dilated branches of detection heads, narrow pointwise layers), where im2col would copy the
/// input nine times for a matrix product too small for BLAS to run well. Four output channels share every
/// input load and sixteen output columns are computed at once: eight independent FMA chains.
/// Bias and a fused activation are applied as the results are stored, so the output is written once.
enum DirectConv2D {
    /// Output channels per register block.
    static let block = 4

    /// Weights [M, Cg, KH, KW] repacked as [group][block of 4 output channels][Cg * KH * KW taps][4], the last
    /// block of a group padded with zeros.
    struct PackedWeights {
        let values: [Float]
        let blocksPerGroup: Int
        let taps: Int

        init(_ w: UnsafePointer<Float>, outputs m: Int, group: Int, taps: Int) {
            let mPerGroup = m / group
            let blocks = (mPerGroup + DirectConv2D.block - 1) / DirectConv2D.block
            var packed = [Float](repeating: 0, count: group * blocks * taps * DirectConv2D.block)
            for g in 0..<group {
                for o in 0..<mPerGroup {
                    let (blk, lane) = (o / DirectConv2D.block, o % DirectConv2D.block)
                    let dst = ((g * blocks + blk) * taps) * DirectConv2D.block + lane
                    let src = w + (g * mPerGroup + o) * taps
                    for t in 0..<taps { packed[dst + t * DirectConv2D.block] = src[t] }
                }
            }
            values = packed
            blocksPerGroup = blocks
            self.taps = taps
        }
    }

    /// Whether the direct kernel handles this geometry: two spatial axes at most.
    static func supports(_ g: WindowGeometry) -> Bool { g.d.kernel == 1 && g.d.input == 1 && g.d.output == 1 }

    /// Writes the whole output (`bias` may be nil). `input` is [N, C, H, W], `output` [N, M, OH, OW].
    static func run(input: UnsafePointer<Float>, weights: PackedWeights, bias: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>, batch: Int, channels c: Int, outputs m: Int, group: Int,
                    geometry g: WindowGeometry, clamp: FloatClamp?) {
        let cg = c / group, mg = m / group
        let (H, W, OH, OW) = (g.h.input, g.w.input, g.h.output, g.w.output)
        let pointwise = g.h.kernel == 1 && g.w.kernel == 1 && g.h.stride == 1 && g.w.stride == 1
            && g.h.padBegin == 0 && g.w.padBegin == 0 && OH == H && OW == W
        weights.values.withUnsafeBufferPointer { wp in
            if pointwise {
                // One long row per channel, cut into tiles that stay in L1 while every block reads them.
                let geometry = Geometry(rows: 1, cols: H * W, tile: 128, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1,
                                        rowStride: H * W, planeStride: H * W, safeOverread: false)
                for b in 0..<batch {
                    for gi in 0..<group {
                        let src = input + (b * c + gi * cg) * H * W
                        let dst = output + (b * m + gi * mg) * OH * OW
                        kernel(UnitStrideLoad.self, src, wp.baseAddress! + gi * weights.blocksPerGroup * weights.taps * block,
                               weights.blocksPerGroup, cg, mg, bias.map { $0 + gi * mg }, dst, geometry, clamp)
                    }
                }
                return
            }
            // Zero-padded copy of one group's input channels, covering exactly the rows and columns read, with
            // slack after the last plane for vector loads past the last needed column.
            let (sh, sw, dh, dw) = (g.h.stride, g.w.stride, g.h.dilation, g.w.dilation)
            let PH = (OH - 1) * sh + g.h.span, PW = (OW - 1) * sw + g.w.span
            let planeSize = PH * PW
            let slack = 32 * sw + 64
            let padded = UnsafeMutablePointer<Float>.allocate(capacity: cg * planeSize + slack)
            defer { padded.deallocate() }
            (padded + cg * planeSize).initialize(repeating: 0, count: slack)
            let geometry = Geometry(rows: OH, cols: OW, tile: OW, kh: g.h.kernel, kw: g.w.kernel, sh: sh, sw: sw,
                                    dh: dh, dw: dw, rowStride: PW, planeStride: planeSize, safeOverread: true)
            for b in 0..<batch {
                for gi in 0..<group {
                    for ch in 0..<cg {
                        pad(input + ((b * c + gi * cg + ch) * H * W), H, W, padded + ch * planeSize, PH, PW,
                            top: g.h.padBegin, left: g.w.padBegin)
                    }
                    let dst = output + (b * m + gi * mg) * OH * OW
                    let w0 = wp.baseAddress! + gi * weights.blocksPerGroup * weights.taps * block
                    switch sw {
                    case 1: kernel(UnitStrideLoad.self, padded, w0, weights.blocksPerGroup, cg, mg,
                                   bias.map { $0 + gi * mg }, dst, geometry, clamp)
                    case 2: kernel(DoubleStrideLoad.self, padded, w0, weights.blocksPerGroup, cg, mg,
                                   bias.map { $0 + gi * mg }, dst, geometry, clamp)
                    default: kernel(GatherLoad.self, padded, w0, weights.blocksPerGroup, cg, mg,
                                    bias.map { $0 + gi * mg }, dst, geometry, clamp)
                    }
                }
            }
        }
    }

    /// Copies an H x W plane into a PH x PW plane at (top, left), zeroing what lies outside it.
    private static func pad(_ src: UnsafePointer<Float>, _ H: Int, _ W: Int, _ dst: UnsafeMutablePointer<Float>,
                            _ PH: Int, _ PW: Int, top: Int, left: Int) {
        let copyCols = max(0, min(W, PW - left))
        for r in 0..<PH {
            let row = dst + r * PW
            let ir = r - top
            guard ir >= 0 && ir < H && copyCols > 0 else {
                row.update(repeating: 0, count: PW)
                continue
            }
            if left > 0 { row.update(repeating: 0, count: left) }
            (row + left).update(from: src + ir * W, count: copyCols)
            let end = left + copyCols
            if end < PW { (row + end).update(repeating: 0, count: PW - end) }
        }
    }

    private struct Geometry {
        let rows: Int, cols: Int, tile: Int
        let kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int
        let rowStride: Int, planeStride: Int
        /// Whether full vector loads may run past the last column read (the padded copy has slack).
        let safeOverread: Bool
    }

    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int, _ clamp: FloatClamp?) {
        PartialVector.store(clamp.map { $0.apply(v) } ?? v, p, count: count)
    }

    /// One group: `src` is its first input plane, `weights` its packed blocks, `out` its first output plane.
    private static func kernel<L: StridedLoad>(_: L.Type, _ src: UnsafePointer<Float>, _ weights: UnsafePointer<Float>,
                                               _ blocks: Int, _ cg: Int, _ mg: Int, _ bias: UnsafePointer<Float>?,
                                               _ out: UnsafeMutablePointer<Float>, _ g: Geometry, _ clamp: FloatClamp?) {
        let taps = cg * g.kh * g.kw
        let outPlane = g.rows * g.cols
        let (KH, KW, sw, dh, dw) = (g.kh, g.kw, g.sw, g.dh, g.dw)
        let rowStride = g.rowStride, planeStride = g.planeStride
        let second = 8 * sw
        for oh in 0..<g.rows {
            let rowBase = src + oh * g.sh * rowStride
            var tileStart = 0
            while tileStart < g.cols {
                let tileEnd = min(g.cols, tileStart + g.tile)
                for blk in 0..<blocks {
                    let wb = weights + blk * taps * block
                    let oc0 = blk * block
                    let valid = min(block, mg - oc0)
                    var bv = SIMD4<Float>(repeating: 0)
                    if let bias { for j in 0..<valid { bv[j] = bias[oc0 + j] } }
                    let o0 = out + oc0 * outPlane + oh * g.cols
                    var ow = tileStart
                    while ow + 16 <= tileEnd {
                        var a0 = SIMD8<Float>(repeating: bv[0]), b0 = a0
                        var a1 = SIMD8<Float>(repeating: bv[1]), b1 = a1
                        var a2 = SIMD8<Float>(repeating: bv[2]), b2 = a2
                        var a3 = SIMD8<Float>(repeating: bv[3]), b3 = a3
                        var wp = wb
                        let base = rowBase + ow * sw
                        for ic in 0..<cg {
                            let pc = base + ic * planeStride
                            for kh in 0..<KH {
                                let pr = pc + kh * dh * rowStride
                                for kw in 0..<KW {
                                    let p = pr + kw * dw
                                    let x0 = L.load(p, stride: sw), x1 = L.load(p + second, stride: sw)
                                    let w0 = SIMD8<Float>(repeating: wp[0]), w1 = SIMD8<Float>(repeating: wp[1])
                                    a0.addProduct(w0, x0); b0.addProduct(w0, x1)
                                    a1.addProduct(w1, x0); b1.addProduct(w1, x1)
                                    let w2 = SIMD8<Float>(repeating: wp[2]), w3 = SIMD8<Float>(repeating: wp[3])
                                    a2.addProduct(w2, x0); b2.addProduct(w2, x1)
                                    a3.addProduct(w3, x0); b3.addProduct(w3, x1)
                                    wp += 4
                                }
                            }
                        }
                        let d = o0 + ow
                        store(a0, d, 8, clamp); store(b0, d + 8, 8, clamp)
                        if valid > 1 { store(a1, d + outPlane, 8, clamp); store(b1, d + outPlane + 8, 8, clamp) }
                        if valid > 2 { store(a2, d + 2 * outPlane, 8, clamp); store(b2, d + 2 * outPlane + 8, 8, clamp) }
                        if valid > 3 { store(a3, d + 3 * outPlane, 8, clamp); store(b3, d + 3 * outPlane + 8, 8, clamp) }
                        ow += 16
                    }
                    while ow < tileEnd {
                        let n = min(8, tileEnd - ow)
                        var a0 = SIMD8<Float>(repeating: bv[0]), a1 = SIMD8<Float>(repeating: bv[1])
                        var a2 = SIMD8<Float>(repeating: bv[2]), a3 = SIMD8<Float>(repeating: bv[3])
                        var wp = wb
                        let base = rowBase + ow * sw
                        for ic in 0..<cg {
                            let pc = base + ic * planeStride
                            for kh in 0..<KH {
                                let pr = pc + kh * dh * rowStride
                                for kw in 0..<KW {
                                    let p = pr + kw * dw
                                    // Without slack only unit-stride pointwise rows come here.
                                    let x = g.safeOverread ? L.load(p, stride: sw) : PartialVector.load(p, count: n)
                                    a0.addProduct(SIMD8(repeating: wp[0]), x)
                                    a1.addProduct(SIMD8(repeating: wp[1]), x)
                                    a2.addProduct(SIMD8(repeating: wp[2]), x)
                                    a3.addProduct(SIMD8(repeating: wp[3]), x)
                                    wp += 4
                                }
                            }
                        }
                        let d = o0 + ow
                        store(a0, d, n, clamp)
                        if valid > 1 { store(a1, d + outPlane, n, clamp) }
                        if valid > 2 { store(a2, d + 2 * outPlane, n, clamp) }
                        if valid > 3 { store(a3, d + 3 * outPlane, n, clamp) }
                        ow += 8
                    }
                }
                tileStart = tileEnd
            }
        }
    }
}

/// Which layers `DirectConv2D` takes (see `ConvOp.prefersDirect`).
enum DirectConvTuning {
    /// Pointwise layers with at most this many input channels per group.
    static let pointwiseMaxChannels = limit("QSCOPE_DIRECT_PW_MAX", 32)
    /// Other layers with at most this many taps (input channels per group x kernel size) per output.
    static let maxTaps = limit("QSCOPE_DIRECT_TAPS_MAX", 576)

    private static func limit(_ name: String, _ fallback: Int) -> Int {
        guard let text = getenv(name) else { return fallback }
        return Int(String(cString: text)) ?? fallback
    }
}

extension SpanMath {
    /// Clamps `n` floats in place (a fused activation after a kernel that cannot apply it as it stores).
    static func clamp(_ p: UnsafeMutablePointer<Float>, _ n: Int, _ clamp: FloatClamp) {
        var i = 0
        while i + 8 <= n {
            let v = UnsafeMutableRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(p + i).storeBytes(of: clamp.apply(v), as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            p[i] = clamp.apply(p[i])
            i += 1
        }
    }
}

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
    func apply(_ v: SIMD16<Float>) -> SIMD16<Float> {
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

    /// Whether the direct kernel handles this geometry: two spatial axes at most. (Narrow outputs too: on
    /// UltraFace's 4x5 heads with 2304 taps it still beats im2col and BLAS, whose im2col is row by row.)
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
            let groupWeights = weights.blocksPerGroup * weights.taps * block
            if pointwise {
                // One long row per channel, cut into tiles that stay in L1 while every block reads them.
                let offsets = (0..<cg).map { $0 * H * W }
                let shape = Shape(rows: 1, cols: H * W, tile: 128, rowStep: 0, safeOverread: false)
                for b in 0..<batch {
                    for gi in 0..<group {
                        kernel(input + (b * c + gi * cg) * H * W, offsets, wp.baseAddress! + gi * groupWeights,
                               weights.blocksPerGroup, mg, bias.map { $0 + gi * mg },
                               output + (b * m + gi * mg) * OH * OW, shape, clamp)
                    }
                }
                return
            }
            let planes = PhasedPlanes(planes: cg, geometry: g)
            defer { planes.deallocate() }
            var offsets: [Int] = []
            for ic in 0..<cg {
                for kh in 0..<g.h.kernel {
                    for kw in 0..<g.w.kernel {
                        offsets.append(ic * planes.planeSize + kh * g.h.dilation * planes.rowLength
                                       + planes.columnOffset(kw * g.w.dilation))
                    }
                }
            }
            let shape = Shape(rows: OH, cols: OW, tile: OW, rowStep: g.h.stride * planes.rowLength, safeOverread: true)
            for b in 0..<batch {
                for gi in 0..<group {
                    for ch in 0..<cg {
                        planes.load(input + (b * c + gi * cg + ch) * H * W, height: H, width: W,
                                    top: g.h.padBegin, left: g.w.padBegin, into: ch)
                    }
                    kernel(UnsafePointer(planes.buffer), offsets, wp.baseAddress! + gi * groupWeights,
                           weights.blocksPerGroup, mg, bias.map { $0 + gi * mg },
                           output + (b * m + gi * mg) * OH * OW, shape, clamp)
                }
            }
        }
    }

    private struct Shape {
        let rows: Int, cols: Int, tile: Int
        /// Floats from one output row's inputs to the next.
        let rowStep: Int
        /// Whether full vector loads may run past the last column read (the padded copy has slack).
        let safeOverread: Bool
    }

    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int, _ clamp: FloatClamp?) {
        PartialVector.store(clamp.map { $0.apply(v) } ?? v, p, count: count)
    }

    /// One group: `src` is its first input plane, `offsets` where each tap (input channel, kernel row,
    /// kernel column) reads relative to the output column, `weights` its packed blocks, `out` its first output
    /// plane. Loads are unit-stride: strided windows come from phase-split planes.
    private static func kernel(_ src: UnsafePointer<Float>, _ offsets: [Int], _ weights: UnsafePointer<Float>,
                               _ blocks: Int, _ mg: Int, _ bias: UnsafePointer<Float>?,
                               _ out: UnsafeMutablePointer<Float>, _ g: Shape, _ clamp: FloatClamp?) {
        let taps = offsets.count
        let outPlane = g.rows * g.cols
        offsets.withUnsafeBufferPointer { offs in
            let off = offs.baseAddress!
            for oh in 0..<g.rows {
                let rowBase = src + oh * g.rowStep
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
                        // Two wide vectors of columns at a time: eight independent FMA chains.
                        let lanes = WideFloats.scalarCount
                        while ow + 2 * lanes <= tileEnd {
                            var a0 = WideFloats(repeating: bv[0]), b0 = a0
                            var a1 = WideFloats(repeating: bv[1]), b1 = a1
                            var a2 = WideFloats(repeating: bv[2]), b2 = a2
                            var a3 = WideFloats(repeating: bv[3]), b3 = a3
                            let base = rowBase + ow
                            var wp = wb
                            for t in 0..<taps {
                                let p = UnsafeRawPointer(base + off[t])
                                let x0 = p.loadUnaligned(as: WideFloats.self)
                                let x1 = (p + 4 * lanes).loadUnaligned(as: WideFloats.self)
                                let w0 = WideFloats(repeating: wp[0]), w1 = WideFloats(repeating: wp[1])
                                a0.addProduct(w0, x0); b0.addProduct(w0, x1)
                                a1.addProduct(w1, x0); b1.addProduct(w1, x1)
                                let w2 = WideFloats(repeating: wp[2]), w3 = WideFloats(repeating: wp[3])
                                a2.addProduct(w2, x0); b2.addProduct(w2, x1)
                                a3.addProduct(w3, x0); b3.addProduct(w3, x1)
                                wp += 4
                            }
                            if let clamp {
                                (a0, b0, a1, b1) = (clamp.apply(a0), clamp.apply(b0), clamp.apply(a1), clamp.apply(b1))
                                (a2, b2, a3, b3) = (clamp.apply(a2), clamp.apply(b2), clamp.apply(a3), clamp.apply(b3))
                            }
                            // Stored in place rather than through a helper: the compiler would not inline one
                            // taking sixteen-wide vectors, and the call split each vector in four.
                            let d = UnsafeMutableRawPointer(o0 + ow), half = 4 * lanes, plane = 4 * outPlane
                            d.storeBytes(of: a0, as: WideFloats.self)
                            (d + half).storeBytes(of: b0, as: WideFloats.self)
                            if valid > 1 {
                                (d + plane).storeBytes(of: a1, as: WideFloats.self)
                                (d + plane + half).storeBytes(of: b1, as: WideFloats.self)
                            }
                            if valid > 2 {
                                (d + 2 * plane).storeBytes(of: a2, as: WideFloats.self)
                                (d + 2 * plane + half).storeBytes(of: b2, as: WideFloats.self)
                            }
                            if valid > 3 {
                                (d + 3 * plane).storeBytes(of: a3, as: WideFloats.self)
                                (d + 3 * plane + half).storeBytes(of: b3, as: WideFloats.self)
                            }
                            ow += 2 * lanes
                        }
                        // Then sixteen columns at a time, in two eight-wide vectors (when the wide ones are
                        // sixteen, there is at most one such step).
                        while ow + 16 <= tileEnd {
                            var a0 = SIMD8<Float>(repeating: bv[0]), b0 = a0
                            var a1 = SIMD8<Float>(repeating: bv[1]), b1 = a1
                            var a2 = SIMD8<Float>(repeating: bv[2]), b2 = a2
                            var a3 = SIMD8<Float>(repeating: bv[3]), b3 = a3
                            let base = rowBase + ow
                            var wp = wb
                            for t in 0..<taps {
                                let p = base + off[t]
                                let x0 = UnitStrideLoad.load(p, stride: 1), x1 = UnitStrideLoad.load(p + 8, stride: 1)
                                let w0 = SIMD8<Float>(repeating: wp[0]), w1 = SIMD8<Float>(repeating: wp[1])
                                a0.addProduct(w0, x0); b0.addProduct(w0, x1)
                                a1.addProduct(w1, x0); b1.addProduct(w1, x1)
                                let w2 = SIMD8<Float>(repeating: wp[2]), w3 = SIMD8<Float>(repeating: wp[3])
                                a2.addProduct(w2, x0); b2.addProduct(w2, x1)
                                a3.addProduct(w3, x0); b3.addProduct(w3, x1)
                                wp += 4
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
                            // Odd taps in a second set of sums: eight independent FMA chains, not four (four
                            // are bound by the FMA latency; this tail is a fifth of a 40-column row).
                            var c0 = SIMD8<Float>(repeating: 0), c1 = c0, c2 = c0, c3 = c0
                            let base = rowBase + ow
                            @inline(__always) func load(_ t: Int) -> SIMD8<Float> {
                                let p = base + off[t]
                                // Without slack (pointwise rows read in place) the last vector is partial.
                                return g.safeOverread ? UnitStrideLoad.load(p, stride: 1) : PartialVector.load(p, count: n)
                            }
                            var wp = wb
                            var t = 0
                            while t + 2 <= taps {
                                let x = load(t), y = load(t + 1)
                                a0.addProduct(SIMD8(repeating: wp[0]), x); c0.addProduct(SIMD8(repeating: wp[4]), y)
                                a1.addProduct(SIMD8(repeating: wp[1]), x); c1.addProduct(SIMD8(repeating: wp[5]), y)
                                a2.addProduct(SIMD8(repeating: wp[2]), x); c2.addProduct(SIMD8(repeating: wp[6]), y)
                                a3.addProduct(SIMD8(repeating: wp[3]), x); c3.addProduct(SIMD8(repeating: wp[7]), y)
                                wp += 8
                                t += 2
                            }
                            if t < taps {
                                let x = load(t)
                                a0.addProduct(SIMD8(repeating: wp[0]), x)
                                a1.addProduct(SIMD8(repeating: wp[1]), x)
                                a2.addProduct(SIMD8(repeating: wp[2]), x)
                                a3.addProduct(SIMD8(repeating: wp[3]), x)
                            }
                            (a0, a1, a2, a3) = (a0 + c0, a1 + c1, a2 + c2, a3 + c3)
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
}

/// The widest float vector the build targets: sixteen lanes with AVX-512 (see Package.swift), else eight.
#if QSCOPE_AVX512
typealias WideFloats = SIMD16<Float>
#else
typealias WideFloats = SIMD8<Float>
#endif

/// Which layers `DirectConv2D` takes (see `ConvOp.prefersDirect`).
enum DirectConvTuning {
    /// Pointwise layers with at most this many input channels per group.
    static let pointwiseMaxChannels = limit("QSCOPE_DIRECT_PW_MAX", 64)
    /// Pointwise layers with more input channels than this go direct only over small planes (at most
    /// `pointwiseSmallPlane` outputs per channel), where BLAS's packing is not paid back. Measured on
    /// UltraFace and PP-LCNet with sixteen-wide vectors: 32 and 64 channels over 1200 pixels ran 20-30% faster
    /// direct, 64 channels over 3136 pixels slower.
    static let pointwiseWideChannels = limit("QSCOPE_DIRECT_PW_WIDE", 32)
    static let pointwiseSmallPlane = limit("QSCOPE_DIRECT_PW_PLANE", 2048)
    /// Other layers with at most this many taps (input channels per group x kernel size) per output.
    static let maxTaps = limit("QSCOPE_DIRECT_TAPS_MAX", 2304)

    private static func limit(_ name: String, _ fallback: Int) -> Int {
        guard let text = getenv(name) else { return fallback }
        return Int(String(cString: text)) ?? fallback
    }
}

extension SpanMath {
    /// Adds `bias` to `n` floats in place and applies `clamp` when given (a fused activation after a kernel
    /// that cannot apply them as it stores).
    static func biasAndClamp(_ p: UnsafeMutablePointer<Float>, _ n: Int, bias: Float, _ clamp: FloatClamp?) {
        let b = SIMD8<Float>(repeating: bias)
        var i = 0
        while i + 8 <= n {
            let v = UnsafeMutableRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) + b
            UnsafeMutableRawPointer(p + i).storeBytes(of: clamp.map { $0.apply(v) } ?? v, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            let v = p[i] + bias
            p[i] = clamp.map { $0.apply(v) } ?? v
            i += 1
        }
    }
}

/// How a pooling window combines its elements.
protocol PoolCombine {
    /// The value padding contributes (and the starting accumulator).
    static var identity: Float { get }
    static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float>
}

enum MaxCombine: PoolCombine {
    static var identity: Float { -.infinity }
    @inline(__always)
    static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
        // A compare and blend; the generic pointwiseMax is not inlined and runs lane by lane.
        a.replacing(with: b, where: b .> a)
    }
}

enum SumCombine: PoolCombine {
    static var identity: Float { 0 }
    @inline(__always)
    static func combine(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a + b }
}

/// Max or sum pooling over 1-D and 2-D planes (the geometry's depth axis is a unit axis). Each plane is
/// copied into a scratch plane padded with the combine's identity, so window loops need no bounds checks;
/// four output rows run together, eight columns at a time.
enum PoolKernel2D {
    /// Writes the combined window of every output position; `scale(oh, ow)` vectors (eight columns of one
    /// row) multiply the result when given (average pooling's reciprocal counts).
    static func run<C: PoolCombine>(_ combine: C.Type, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                    planes: Int, geometry g: WindowGeometry, rowScale: [Float]?, columnScale: [Float]?) {
        switch g.w.stride {
        case 1: run(C.self, UnitStrideLoad.self, input, output, planes, g, rowScale, columnScale)
        case 2: run(C.self, DoubleStrideLoad.self, input, output, planes, g, rowScale, columnScale)
        default: run(C.self, GatherLoad.self, input, output, planes, g, rowScale, columnScale)
        }
    }

    private static func run<C: PoolCombine, L: StridedLoad>(_: C.Type, _: L.Type, _ input: UnsafePointer<Float>,
                                                            _ output: UnsafeMutablePointer<Float>, _ planes: Int,
                                                            _ g: WindowGeometry, _ rowScale: [Float]?,
                                                            _ columnScale: [Float]?) {
        let (H, W) = (g.h.input, g.w.input)
        let (OH, OW) = (g.h.output, g.w.output)
        let (KH, KW) = (g.h.kernel, g.w.kernel)
        let (sh, sw, dh, dw) = (g.h.stride, g.w.stride, g.h.dilation, g.w.dilation)
        let plane = PaddedPlane(rows: (OH - 1) * sh + g.h.span, cols: (OW - 1) * sw + g.w.span, maxStride: sw)
        defer { plane.deallocate() }
        let PW = plane.cols
        let rowStep = sh * PW
        // Column scales padded to whole vectors so the tail chunk can load eight.
        var columns = columnScale ?? []
        if !columns.isEmpty { columns += [Float](repeating: 0, count: 8) }
        let rows = rowScale ?? []
        let start = SIMD8<Float>(repeating: C.identity)

        columns.withUnsafeBufferPointer { cs in
            for p in 0..<planes {
                plane.load(input + p * H * W, height: H, width: W, top: g.h.padBegin, left: g.w.padBegin,
                           fill: C.identity)
                let padded = UnsafePointer(plane.buffer)
                let out = output + p * OH * OW
                var oh = 0
                while oh < OH {
                    let block = min(4, OH - oh)
                    var ow = 0
                    while ow < OW {
                        let n = OW - ow
                        var a0 = start, a1 = start, a2 = start, a3 = start
                        for kh in 0..<KH {
                            let src = padded + oh * rowStep + kh * dh * PW + ow * sw
                            for kw in 0..<KW {
                                let q = src + kw * dw
                                a0 = C.combine(a0, L.load(q, stride: sw))
                                if block == 4 {
                                    a1 = C.combine(a1, L.load(q + rowStep, stride: sw))
                                    a2 = C.combine(a2, L.load(q + 2 * rowStep, stride: sw))
                                    a3 = C.combine(a3, L.load(q + 3 * rowStep, stride: sw))
                                }
                            }
                        }
                        var results = (a0, a1, a2, a3)
                        if cs.count > 0 {
                            let cv = UnsafeRawPointer(cs.baseAddress! + ow).loadUnaligned(as: SIMD8<Float>.self)
                            results.0 *= cv * rows[oh]
                            if block == 4 {
                                results.1 *= cv * rows[oh + 1]
                                results.2 *= cv * rows[oh + 2]
                                results.3 *= cv * rows[oh + 3]
                            }
                        }
                        let d0 = out + oh * OW + ow
                        PartialVector.store(results.0, d0, count: n)
                        if block == 4 {
                            PartialVector.store(results.1, d0 + OW, count: n)
                            PartialVector.store(results.2, d0 + 2 * OW, count: n)
                            PartialVector.store(results.3, d0 + 3 * OW, count: n)
                        }
                        ow += 8
                    }
                    oh += block == 4 ? 4 : 1
                }
            }
        }
    }
}

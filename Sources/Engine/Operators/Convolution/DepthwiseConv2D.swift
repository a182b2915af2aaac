/// Direct depthwise convolution (one input channel per group) for 1-D and 2-D inputs. Each input plane is
/// copied once into a zero-padded, phase-split scratch plane (`PhasedPlanes`), so the inner loops need no
/// bounds checks and strided windows load contiguous vectors. Four output rows are computed together, eight columns at a time, so four independent FMA chains hide the FMA latency.
enum DepthwiseConv2D {
    /// Writes the whole output: the accumulators start from the bias (or zero) and `clamp` (a fused
    /// activation) is applied as they are stored. Output channel `o` reads input channel `o / multiplier`.
    static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>, batch: Int, channels: Int, multiplier: Int,
                    geometry g: WindowGeometry, clamp: FloatClamp?) {
        run(UnitStrideLoad.self, input, weights, bias, output, batch, channels, multiplier, g, clamp)
    }

    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, count: Int, _ clamp: FloatClamp?) {
        PartialVector.store(clamp.map { $0.apply(v) } ?? v, p, count: count)
    }

    private static func run<L: StridedLoad>(_: L.Type, _ input: UnsafePointer<Float>, _ weights: UnsafePointer<Float>,
                                            _ bias: UnsafePointer<Float>?, _ output: UnsafeMutablePointer<Float>,
                                            _ batch: Int, _ channels: Int, _ multiplier: Int, _ g: WindowGeometry,
                                            _ clamp: FloatClamp?) {
        let (H, W) = (g.h.input, g.w.input)
        let (OH, OW) = (g.h.output, g.w.output)
        let (KH, KW) = (g.h.kernel, g.w.kernel)
        let (sh, sw, dh, dw) = (g.h.stride, g.w.stride, g.h.dilation, g.w.dilation)
        // The padded plane covers exactly what the windows read, its columns split by phase of the stride so
        // every load is a contiguous vector.
        let plane = PhasedPlanes(planes: 1, geometry: g)
        defer { plane.deallocate() }
        let PW = plane.rowLength
        let rowStep = sh * PW
        let columns = UnsafeMutablePointer<Int>.allocate(capacity: KW)
        defer { columns.deallocate() }
        for kw in 0..<KW { columns[kw] = plane.columnOffset(kw * dw) }

        for b in 0..<batch {
            for ch in 0..<channels {
                plane.load(input + (b * channels + ch) * H * W, height: H, width: W,
                           top: g.h.padBegin, left: g.w.padBegin, into: 0)
                let padded = UnsafePointer(plane.buffer)
                for k in 0..<multiplier {
                    let oc = ch * multiplier + k
                    let w = weights + oc * KH * KW
                    let out = output + (b * channels * multiplier + oc) * OH * OW
                    let start = SIMD8<Float>(repeating: bias?[oc] ?? 0)
                    var oh = 0
                    while oh + 4 <= OH {
                        var ow = 0
                        // Unit stride: sixteen-wide vectors when the build has them (see WideFloats), in
                        // place, as a helper taking them would not be inlined.
                        let lanes = WideFloats.scalarCount
                        while L.self == UnitStrideLoad.self && lanes > 8 && ow + 2 * lanes <= OW {
                            var a0 = WideFloats(repeating: start[0]), b0 = a0, a1 = a0, b1 = a0
                            var a2 = a0, b2 = a0, a3 = a0, b3 = a0
                            for kh in 0..<KH {
                                let src = padded + oh * rowStep + kh * dh * PW + ow
                                let wr = w + kh * KW
                                for kw in 0..<KW {
                                    let wv = WideFloats(repeating: wr[kw])
                                    let p = UnsafeRawPointer(src + columns[kw])
                                    let row = 4 * rowStep, half = 4 * lanes
                                    a0.addProduct(wv, p.loadUnaligned(as: WideFloats.self))
                                    b0.addProduct(wv, (p + half).loadUnaligned(as: WideFloats.self))
                                    a1.addProduct(wv, (p + row).loadUnaligned(as: WideFloats.self))
                                    b1.addProduct(wv, (p + row + half).loadUnaligned(as: WideFloats.self))
                                    a2.addProduct(wv, (p + 2 * row).loadUnaligned(as: WideFloats.self))
                                    b2.addProduct(wv, (p + 2 * row + half).loadUnaligned(as: WideFloats.self))
                                    a3.addProduct(wv, (p + 3 * row).loadUnaligned(as: WideFloats.self))
                                    b3.addProduct(wv, (p + 3 * row + half).loadUnaligned(as: WideFloats.self))
                                }
                            }
                            if let clamp {
                                (a0, b0, a1, b1) = (clamp.apply(a0), clamp.apply(b0), clamp.apply(a1), clamp.apply(b1))
                                (a2, b2, a3, b3) = (clamp.apply(a2), clamp.apply(b2), clamp.apply(a3), clamp.apply(b3))
                            }
                            let d = UnsafeMutableRawPointer(out + oh * OW + ow), row = 4 * OW, half = 4 * lanes
                            d.storeBytes(of: a0, as: WideFloats.self)
                            (d + half).storeBytes(of: b0, as: WideFloats.self)
                            (d + row).storeBytes(of: a1, as: WideFloats.self)
                            (d + row + half).storeBytes(of: b1, as: WideFloats.self)
                            (d + 2 * row).storeBytes(of: a2, as: WideFloats.self)
                            (d + 2 * row + half).storeBytes(of: b2, as: WideFloats.self)
                            (d + 3 * row).storeBytes(of: a3, as: WideFloats.self)
                            (d + 3 * row + half).storeBytes(of: b3, as: WideFloats.self)
                            ow += 2 * lanes
                        }
                        // Sixteen columns at a time: eight independent FMA chains keep both FMA units busy
                        // (four chains are bound by the FMA latency). Reads the same addresses the
                        // eight-column loop below would.
                        while ow + 16 <= OW {
                            let d0 = out + oh * OW + ow
                            var a0 = start, b0 = start
                            var a1 = start, b1 = start
                            var a2 = start
                            var b2 = start
                            var a3 = start
                            var b3 = start
                            let second = 8
                            for kh in 0..<KH {
                                let src = padded + oh * rowStep + kh * dh * PW + ow
                                let wr = w + kh * KW
                                for kw in 0..<KW {
                                    let wv = SIMD8<Float>(repeating: wr[kw])
                                    let p = src + columns[kw]
                                    a0.addProduct(wv, L.load(p, stride: sw))
                                    b0.addProduct(wv, L.load(p + second, stride: sw))
                                    a1.addProduct(wv, L.load(p + rowStep, stride: sw))
                                    b1.addProduct(wv, L.load(p + rowStep + second, stride: sw))
                                    a2.addProduct(wv, L.load(p + 2 * rowStep, stride: sw))
                                    b2.addProduct(wv, L.load(p + 2 * rowStep + second, stride: sw))
                                    a3.addProduct(wv, L.load(p + 3 * rowStep, stride: sw))
                                    b3.addProduct(wv, L.load(p + 3 * rowStep + second, stride: sw))
                                }
                            }
                            store(a0, d0, count: 8, clamp)
                            store(b0, d0 + 8, count: 8, clamp)
                            store(a1, d0 + OW, count: 8, clamp)
                            store(b1, d0 + OW + 8, count: 8, clamp)
                            store(a2, d0 + 2 * OW, count: 8, clamp)
                            store(b2, d0 + 2 * OW + 8, count: 8, clamp)
                            store(a3, d0 + 3 * OW, count: 8, clamp)
                            store(b3, d0 + 3 * OW + 8, count: 8, clamp)
                            ow += 16
                        }
                        while ow < OW {
                            let n = OW - ow
                            let d0 = out + oh * OW + ow
                            var a0 = start
                            var a1 = start
                            var a2 = start
                            var a3 = start
                            for kh in 0..<KH {
                                let src = padded + oh * rowStep + kh * dh * PW + ow
                                let wr = w + kh * KW
                                for kw in 0..<KW {
                                    let wv = SIMD8<Float>(repeating: wr[kw])
                                    let p = src + columns[kw]
                                    a0.addProduct(wv, L.load(p, stride: sw))
                                    a1.addProduct(wv, L.load(p + rowStep, stride: sw))
                                    a2.addProduct(wv, L.load(p + 2 * rowStep, stride: sw))
                                    a3.addProduct(wv, L.load(p + 3 * rowStep, stride: sw))
                                }
                            }
                            store(a0, d0, count: n, clamp)
                            store(a1, d0 + OW, count: n, clamp)
                            store(a2, d0 + 2 * OW, count: n, clamp)
                            store(a3, d0 + 3 * OW, count: n, clamp)
                            ow += 8
                        }
                        oh += 4
                    }
                    while oh < OH {
                        var ow = 0
                        while ow < OW {
                            let n = OW - ow
                            let d0 = out + oh * OW + ow
                            var a0 = start
                            var a1 = SIMD8<Float>(repeating: 0)
                            for kh in 0..<KH {
                                let src = padded + oh * rowStep + kh * dh * PW + ow
                                let wr = w + kh * KW
                                var kw = 0
                                // Two chains over the taps of a row.
                                while kw + 2 <= KW {
                                    a0.addProduct(SIMD8(repeating: wr[kw]), L.load(src + columns[kw], stride: sw))
                                    a1.addProduct(SIMD8(repeating: wr[kw + 1]), L.load(src + columns[kw + 1], stride: sw))
                                    kw += 2
                                }
                                if kw < KW { a0.addProduct(SIMD8(repeating: wr[kw]), L.load(src + columns[kw], stride: sw)) }
                            }
                            store(a0 + a1, d0, count: n, clamp)
                            ow += 8
                        }
                        oh += 1
                    }
                }
            }
        }
    }
}

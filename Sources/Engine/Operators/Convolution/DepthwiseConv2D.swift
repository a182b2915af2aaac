/// Direct depthwise convolution (one input channel per group) for 1-D and 2-D inputs. Each input plane is
/// copied once into a zero-padded scratch plane, so the inner loops need no bounds checks and run eight
/// outputs at a time with fused multiply-adds.
enum DepthwiseConv2D {
    /// `output` already holds the bias (or zeros); results are accumulated into it.
    /// Output channel `o` reads input channel `o / multiplier`.
    static func run(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    batch: Int, channels: Int, multiplier: Int, geometry g: WindowGeometry) {
        let (H, W) = (g.h.input, g.w.input)
        let (OH, OW) = (g.h.output, g.w.output)
        let (KH, KW) = (g.h.kernel, g.w.kernel)
        let (sh, sw, dh, dw) = (g.h.stride, g.w.stride, g.h.dilation, g.w.dilation)
        let (pt, pl) = (g.h.padBegin, g.w.padBegin)
        // The padded plane covers exactly what the windows read; vector loads may run 16 floats past it.
        let PH = (OH - 1) * sh + g.h.span
        let PW = (OW - 1) * sw + g.w.span
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: PH * PW + 32)
        defer { scratch.deallocate() }
        scratch.initialize(repeating: 0, count: PH * PW + 32)
        let copyRows = max(0, min(H, PH - pt))
        let copyCols = max(0, min(W, PW - pl))
        let needsClear = pt > 0 || pl > 0 || PH > H + pt || PW > W + pl

        for b in 0..<batch {
            for ch in 0..<channels {
                let plane = input + (b * channels + ch) * H * W
                if needsClear { scratch.update(repeating: 0, count: PH * PW) }
                for r in 0..<copyRows {
                    (scratch + (r + pt) * PW + pl).update(from: plane + r * W, count: copyCols)
                }
                for k in 0..<multiplier {
                    let oc = ch * multiplier + k
                    let w = weights + oc * KH * KW
                    let out = output + (b * channels * multiplier + oc) * OH * OW
                    for oh in 0..<OH {
                        let rowBase = UnsafePointer(scratch + oh * sh * PW)
                        let dst = out + oh * OW
                        var ow = 0
                        if sw == 1 {
                            while ow + 8 <= OW {
                                var acc = UnsafeRawPointer(dst + ow).loadUnaligned(as: SIMD8<Float>.self)
                                for kh in 0..<KH {
                                    let src = rowBase + kh * dh * PW + ow
                                    let wr = w + kh * KW
                                    for kw in 0..<KW {
                                        let v = UnsafeRawPointer(src + kw * dw).loadUnaligned(as: SIMD8<Float>.self)
                                        acc.addProduct(SIMD8(repeating: wr[kw]), v)
                                    }
                                }
                                UnsafeMutableRawPointer(dst + ow).storeBytes(of: acc, as: SIMD8<Float>.self)
                                ow += 8
                            }
                        } else if sw == 2 {
                            while ow + 8 <= OW {
                                var acc = UnsafeRawPointer(dst + ow).loadUnaligned(as: SIMD8<Float>.self)
                                for kh in 0..<KH {
                                    let src = rowBase + kh * dh * PW + 2 * ow
                                    let wr = w + kh * KW
                                    for kw in 0..<KW {
                                        let v = UnsafeRawPointer(src + kw * dw).loadUnaligned(as: SIMD16<Float>.self)
                                        acc.addProduct(SIMD8(repeating: wr[kw]), v.evenHalf)
                                    }
                                }
                                UnsafeMutableRawPointer(dst + ow).storeBytes(of: acc, as: SIMD8<Float>.self)
                                ow += 8
                            }
                        }
                        // Remaining columns (and strides other than 1 and 2) one at a time.
                        while ow < OW {
                            var acc = dst[ow]
                            for kh in 0..<KH {
                                let src = rowBase + kh * dh * PW + ow * sw
                                let wr = w + kh * KW
                                for kw in 0..<KW { acc += wr[kw] * src[kw * dw] }
                            }
                            dst[ow] = acc
                            ow += 1
                        }
                    }
                }
            }
        }
    }
}

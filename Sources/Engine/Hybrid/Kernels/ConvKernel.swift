/// Integer 2-D convolution (regular, grouped, depthwise; strides, pads, dilations): centered input levels
/// times int8 weights accumulated exactly in int32, plus the int32 bias, requantized per output channel with
/// a fused Relu/Clip as an integer clamp.
final class ConvKernel: AccKernel {
    private let window: Window2D
    private let group: Int
    private let layer: IntegerLayer
    private let weightShape: [Int]
    /// Weights as floats for the sgemm path (exact small integers).
    private let weightFloats: [Float]
    private let inParams: QuantParams
    private let outParams: QuantParams
    private let clamp: OutputClamp
    private let requant: [Requantizer]

    init(_ ctx: KernelContext) throws {
        guard let w = ctx.constants[1], w.rank == 4 else { throw OpError("the accelerator needs a constant 4-D weight") }
        inParams = try ctx.inParams(0)
        outParams = ctx.outputParams[0]
        group = try ctx.node.int("group", default: 1)
        guard group >= 1, w.shape[0] % group == 0 else { throw OpError("group \(group) does not divide \(w.shape[0]) output channels") }
        window = try Window2D(node: ctx.node, kernel: try ctx.node.ints("kernel_shape") ?? Array(w.shape[2...]))
        guard window.kernel == Array(w.shape[2...]) else { throw OpError("kernel_shape \(window.kernel) does not match the weight \(w.shape)") }
        layer = try IntegerLayer(weight: w, axis: 0, bias: ctx.constants[2], inputScale: inParams.scale, layer: ctx.layer)
        weightShape = w.shape
        weightFloats = layer.weights.map { Float($0) }
        clamp = ctx.clamp()
        requant = layer.requantizers(inputScale: inParams.scale, outputScale: outParams.scale, rounding: ctx.rounding)
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let x = try inputs.quant(0)
        guard x.shape.count == 4 else { throw OpError("the input has shape \(x.shape); a 2-D convolution needs rank 4") }
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let m = weightShape[0], cg = weightShape[1]
        guard c == cg * group else { throw OpError("the input has \(c) channels; the weight expects \(cg) × group \(group)") }
        var win = window
        let out = try win.outputSize([h, wd])
        let plane = out[0] * out[1]
        let count = try Tensor.elementCount([n, m, out[0], out[1]], what: "the convolution output")
        var acc = [Int32](repeating: 0, count: count)
        let xc = x.centered()
        if cg == 1 && m == group {
            depthwise(xc, [n, c, h, wd], out, win, &acc)
        } else {
            try im2colGemm(xc, [n, c, h, wd], out, win, &acc)
        }
        // Bias, then requantize per channel.
        var levels = [Int32](repeating: 0, count: count)
        var pre: [Float]? = wantPreActivation ? [Float](repeating: 0, count: count) : nil
        for b in 0..<n {
            for ch in 0..<m {
                let r = requant[ch], bias = layer.bias[ch], base = (b * m + ch) * plane
                let realScale = inParams.scale * layer.weightScales[ch]
                for i in base..<(base + plane) {
                    let v = acc[i] &+ bias
                    levels[i] = r.apply(v, zeroPoint: outParams.zeroPoint, lo: clamp.lo, hi: clamp.hi)
                    pre?[i] = Float(v) * realScale
                }
            }
        }
        let shape = [n, m, out[0], out[1]]
        return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)],
                         preActivation: pre.map { Tensor(shape: shape, floats: $0) })
    }

    /// One input channel per group: a direct integer loop over the window rows and columns that fall inside
    /// the input (padding contributes level zero after centering).
    private func depthwise(_ x: [Int32], _ s: [Int], _ out: [Int], _ win: Window2D, _ acc: inout [Int32]) {
        let (n, c, h, wd) = (s[0], s[1], s[2], s[3])
        let (kh, kw) = (win.kernel[0], win.kernel[1])
        let (sy, sx, py, px, dy, dx) = (win.strides[0], win.strides[1], win.pads[0], win.pads[1], win.dilations[0], win.dilations[1])
        let weights = layer.weights.map { Int32($0) }
        x.withUnsafeBufferPointer { xp in
            weights.withUnsafeBufferPointer { wp in
                acc.withUnsafeMutableBufferPointer { ap in
                    for b in 0..<n {
                        for ch in 0..<c {
                            let xBase = (b * c + ch) * h * wd, wBase = ch * kh * kw, oBase = (b * c + ch) * out[0] * out[1]
                            for oy in 0..<out[0] {
                                for ox in 0..<out[1] {
                                    var sum: Int32 = 0
                                    for ky in 0..<kh {
                                        let iy = oy * sy - py + ky * dy
                                        if iy < 0 || iy >= h { continue }
                                        let row = xBase + iy * wd, wRow = wBase + ky * kw
                                        for kx in 0..<kw {
                                            let ix = ox * sx - px + kx * dx
                                            if ix < 0 || ix >= wd { continue }
                                            sum &+= xp[row + ix] &* wp[wRow + kx]
                                        }
                                    }
                                    ap[oBase + oy * out[1] + ox] = sum
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Per image and group: columns [Cg·kh·kw × OH·OW] of centered levels (padding is level zero after
    /// centering), times the group's weights [Mg × Cg·kh·kw].
    private func im2colGemm(_ x: [Int32], _ s: [Int], _ out: [Int], _ win: Window2D, _ acc: inout [Int32]) throws {
        let (n, c, h, wd) = (s[0], s[1], s[2], s[3])
        let (kh, kw) = (win.kernel[0], win.kernel[1])
        let m = weightShape[0], cg = c / group, mg = m / group
        let k = cg * kh * kw, plane = out[0] * out[1]
        guard k > 0, plane > 0, mg > 0 else { return }
        var cols = [Float](repeating: 0, count: try Tensor.elementCount([k, plane], what: "the im2col buffer"))
        for b in 0..<n {
            for g in 0..<group {
                x.withUnsafeBufferPointer { xp in
                    cols.withUnsafeMutableBufferPointer { cp in
                        for ci in 0..<cg {
                            let xBase = (b * c + g * cg + ci) * h * wd
                            for ky in 0..<kh {
                                for kx in 0..<kw {
                                    let row = ((ci * kh + ky) * kw + kx) * plane
                                    let offX = kx * win.dilations[1] - win.pads[1]
                                    for oy in 0..<out[0] {
                                        let iy = oy * win.strides[0] - win.pads[0] + ky * win.dilations[0]
                                        let dst = row + oy * out[1]
                                        if iy < 0 || iy >= h {
                                            for ox in 0..<out[1] { cp[dst + ox] = 0 }
                                            continue
                                        }
                                        let src = xBase + iy * wd
                                        for ox in 0..<out[1] {
                                            let ix = ox * win.strides[1] + offX
                                            cp[dst + ox] = (ix >= 0 && ix < wd) ? Float(xp[src + ix]) : 0
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                let oBase = (b * m + g * mg) * plane
                weightFloats.withUnsafeBufferPointer { wp in
                    cols.withUnsafeBufferPointer { cp in
                        acc.withUnsafeMutableBufferPointer { ap in
                            ExactIntGemm.multiply(m: mg, n: plane, k: k, a: wp.baseAddress! + g * mg * k, transA: false,
                                                  b: cp.baseAddress!, transB: false, into: ap.baseAddress! + oBase)
                        }
                    }
                }
            }
        }
    }
}

/// Integer 2-D MaxPool and AveragePool on NCHW levels. MaxPool takes the largest level in each window
/// (padding never wins); AveragePool sums the centered levels and divides by the window count with integer
/// rounding. Either result is then requantized to the output's parameters.
final class PoolKernel: AccKernel {
    private let isMax: Bool
    private let window: Window2D
    private let countIncludePad: Bool
    private let inParams: QuantParams
    private let outParams: QuantParams
    private let rounding: IntegerRounding

    init(_ ctx: KernelContext) throws {
        isMax = ctx.node.opType == "MaxPool"
        window = try Window2D(node: ctx.node, kernel: try ctx.node.ints("kernel_shape") ?? [],
                              ceilMode: try ctx.node.int("ceil_mode", default: 0) != 0)
        countIncludePad = try ctx.node.int("count_include_pad", default: 0) != 0
        inParams = try ctx.inParams(0)
        outParams = ctx.outputParams[0]
        rounding = ctx.rounding
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let x = try inputs.quant(0)
        guard x.shape.count == 4 else { throw OpError("the input has shape \(x.shape); 2-D pooling needs rank 4") }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var win = window
        let out = try win.outputSize([h, w])
        let shape = [n, c, out[0], out[1]]
        var levels = [Int32](repeating: 0, count: try Tensor.elementCount(shape, what: "the pooled output"))
        let zp = inParams.zeroPoint
        if isMax {
            maxPool(x.levels, planes: n * c, h: h, w: w, win: win, out: out, empty: zp, into: &levels)
            let result = QTensor(shape: shape, levels: levels, params: inParams).requantized(to: outParams, rounding: rounding)
            return AccOutput(outputs: [result], preActivation: nil)
        }
        var o = 0
        for plane in 0..<(n * c) {
            let base = plane * h * w
            for oy in 0..<out[0] {
                let y0 = oy * win.strides[0] - win.pads[0]
                for ox in 0..<out[1] {
                    let x0 = ox * win.strides[1] - win.pads[1]
                    var best = Int32.min, sum: Int64 = 0, valid: Int64 = 0
                    for ky in 0..<win.kernel[0] {
                        let iy = y0 + ky * win.dilations[0]
                        guard iy >= 0, iy < h else { continue }
                        for kx in 0..<win.kernel[1] {
                            let ix = x0 + kx * win.dilations[1]
                            guard ix >= 0, ix < w else { continue }
                            let v = x.levels[base + iy * w + ix]
                            best = max(best, v)
                            sum += Int64(v - zp)
                            valid += 1
                        }
                    }
                    if isMax {
                        levels[o] = valid == 0 ? zp : best
                    } else {
                        var divisor = valid
                        if countIncludePad {
                            // Window positions inside the padded input count, those beyond it do not.
                            let y1 = min(y0 + (win.kernel[0] - 1) * win.dilations[0] + 1, h + win.pads[2])
                            let x1 = min(x0 + (win.kernel[1] - 1) * win.dilations[1] + 1, w + win.pads[3])
                            divisor = Int64(((y1 - y0 + win.dilations[0] - 1) / win.dilations[0])
                                            * ((x1 - x0 + win.dilations[1] - 1) / win.dilations[1]))
                        }
                        levels[o] = divisor > 0 ? Int32(roundedDivide(sum, divisor, rounding)) + zp : zp
                    }
                    o += 1
                }
            }
        }
        let result = QTensor(shape: shape, levels: levels, params: inParams).requantized(to: outParams, rounding: rounding)
        return AccOutput(outputs: [result], preActivation: nil)
    }

    /// The largest level in each window (`empty` for a window that lies entirely in the padding).
    private func maxPool(_ x: [Int32], planes: Int, h: Int, w: Int, win: Window2D, out: [Int], empty: Int32,
                         into levels: inout [Int32]) {
        let (kh, kw, sy, sx) = (win.kernel[0], win.kernel[1], win.strides[0], win.strides[1])
        let (py, px, dy, dx) = (win.pads[0], win.pads[1], win.dilations[0], win.dilations[1])
        let (oh, ow) = (out[0], out[1])
        // Windows are separable: a window is empty when its rows or its columns all lie in the padding.
        let colRange = ConvKernel.validColumns(win, inputWidth: w, outputWidth: ow)
        var columnHasInput = [Bool](repeating: false, count: ow)
        for (first, end) in colRange { for ox in first..<end { columnHasInput[ox] = true } }
        var best = [Int32](repeating: Int32.min, count: ow)
        x.withUnsafeBufferPointer { xp in
            levels.withUnsafeMutableBufferPointer { lp in
                best.withUnsafeMutableBufferPointer { bp in
                    for plane in 0..<planes {
                        let base = xp.baseAddress! + plane * h * w
                        for oy in 0..<oh {
                            bp.update(repeating: Int32.min)
                            var rowHasInput = false
                            for ky in 0..<kh {
                                let iy = oy * sy - py + ky * dy
                                guard iy >= 0, iy < h else { continue }
                                rowHasInput = true
                                for kx in 0..<kw {
                                    let (first, end) = colRange[kx]
                                    let src = base + iy * w + (kx * dx - px)
                                    if sx == 1 {
                                        for ox in first..<end { bp[ox] = max(bp[ox], src[ox]) }
                                    } else if sx == 2 {
                                        // Eight outputs from sixteen consecutive levels (one vector permute), while the
                                        // sixteen stay inside the input row; the strided scalar loop would not vectorize.
                                        var ox = first
                                        let rowEnd = w - (kx * dx - px)  // src[i] lies in the row for i < rowEnd
                                        while ox + 8 <= end && 2 * ox + 16 <= rowEnd {
                                            let v = UnsafeRawPointer(src + 2 * ox).loadUnaligned(as: SIMD16<Int32>.self)
                                            let evens = SIMD8(v[0], v[2], v[4], v[6], v[8], v[10], v[12], v[14])
                                            let slot = UnsafeMutableRawPointer(bp.baseAddress! + ox)
                                            let current = slot.loadUnaligned(as: SIMD8<Int32>.self)
                                            slot.storeBytes(of: current.replacing(with: evens, where: evens .> current),
                                                            as: SIMD8<Int32>.self)
                                            ox += 8
                                        }
                                        while ox < end { bp[ox] = max(bp[ox], src[ox &* 2]); ox += 1 }
                                    } else {
                                        for ox in first..<end { bp[ox] = max(bp[ox], src[ox &* sx]) }   // wrapping: lets the loop run unchecked
                                    }
                                }
                            }
                            let dst = (plane * oh + oy) * ow
                            for ox in 0..<ow { lp[dst + ox] = rowHasInput && columnHasInput[ox] ? bp[ox] : empty }
                        }
                    }
                }
            }
        }
    }
}

/// Integer GlobalAveragePool (rounded integer mean of the centered levels) and GlobalMaxPool over all
/// spatial positions, then requantized to the output's parameters.
final class GlobalPoolKernel: AccKernel {
    private let isMax: Bool
    private let inParams: QuantParams
    private let outParams: QuantParams
    private let rounding: IntegerRounding

    init(_ ctx: KernelContext) throws {
        isMax = ctx.node.opType == "GlobalMaxPool"
        inParams = try ctx.inParams(0)
        outParams = ctx.outputParams[0]
        rounding = ctx.rounding
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let x = try inputs.quant(0)
        guard x.shape.count >= 3 else { throw OpError("the input has shape \(x.shape); global pooling needs rank ≥ 3") }
        let planes = x.shape[0] * x.shape[1], size = x.shape[2...].reduce(1, *)
        guard size > 0 else { throw OpError("the input \(x.shape) has no spatial positions") }
        let zp = inParams.zeroPoint
        var levels = [Int32](repeating: 0, count: planes)
        for p in 0..<planes {
            let slice = x.levels[(p * size)..<((p + 1) * size)]
            if isMax {
                levels[p] = slice.max() ?? zp
            } else {
                let sum = slice.reduce(Int64(0)) { $0 + Int64($1 - zp) }
                levels[p] = Int32(roundedDivide(sum, Int64(size), rounding)) + zp
            }
        }
        let shape = [x.shape[0], x.shape[1]] + Array(repeating: 1, count: x.shape.count - 2)
        let result = QTensor(shape: shape, levels: levels, params: inParams).requantized(to: outParams, rounding: rounding)
        return AccOutput(outputs: [result], preActivation: nil)
    }
}

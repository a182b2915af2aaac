/// ONNX ConvTranspose for 1-D, 2-D and 3-D inputs: one matrix product per group (W^T x X) followed by a
/// col2im scatter-add into the output.
final class ConvTransposeOp: Operator {
    private let window: WindowAttributes
    private let group: Int
    private let outputPadding: [Int]?
    private let outputShapeAttribute: [Int]?
    private let constantWeight: (shape: [Int], values: [Float])?

    init(_ context: BuildContext) throws {
        let node = context.node
        window = try WindowAttributes(node)
        group = try node.int("group", default: 1)
        guard group >= 1 else { throw OpError("group \(group) must be positive") }
        outputPadding = try node.ints("output_padding")
        outputShapeAttribute = try node.ints("output_shape")
        if let p = outputPadding, p.contains(where: { $0 < 0 }) {
            throw OpError("output_padding \(p) must not be negative")
        }
        if let w = context.constant(1) { constantWeight = (w.shape, try w.floats()) } else { constantWeight = nil }
    }

    /// Resolves output sizes and pads per spatial axis, following the ONNX ConvTranspose shape rules.
    private func geometry(input: [Int], kernel: [Int]) throws -> WindowGeometry {
        let rank = input.count
        guard (1...3).contains(rank) else {
            throw OpError("only 1, 2 or 3 spatial axes are supported, got \(rank)")
        }
        try window.check(rank: rank)
        let strides = window.strides ?? Array(repeating: 1, count: rank)
        let dilations = window.dilations ?? Array(repeating: 1, count: rank)
        let extra = outputPadding ?? Array(repeating: 0, count: rank)
        guard extra.count == rank || extra.count == 2 * rank else {
            throw OpError("output_padding \(extra) does not have \(rank) values")
        }
        var requested: [Int]? = nil
        if let s = outputShapeAttribute {
            guard s.count == rank || s.count == rank + 2 else {
                throw OpError("output_shape \(s) does not have \(rank) spatial values")
            }
            requested = Array(s.suffix(rank))
        }
        let same = window.autoPad == "SAME_UPPER" || window.autoPad == "SAME_LOWER"
        if requested == nil && same { requested = input.indices.map { input[$0] * strides[$0] } }
        var axes: [WindowAxis] = []
        for i in 0..<rank {
            // In the transposed view, "input" is the output length and "output" the input length, so
            // col2im can reuse the forward geometry.
            var ax = WindowAxis(input: 0, output: input[i], kernel: kernel[i], stride: strides[i],
                                dilation: dilations[i], padBegin: 0, padEnd: 0)
            let full = strides[i] * (input[i] - 1) + extra[i] + ax.span
            if let requested {
                let total = full - requested[i]
                // Floor division: a larger requested output (negative total) grows the end, as in ONNX.
                let half = total >= 0 ? total / 2 : -((-total + 1) / 2)
                ax.padBegin = window.autoPad == "SAME_UPPER" ? half : total - half
                ax.padEnd = total - ax.padBegin
                ax.input = requested[i]
            } else if window.autoPad == "VALID" {
                ax.input = full
            } else {
                let pads = window.pads ?? Array(repeating: 0, count: 2 * rank)
                ax.padBegin = pads[i]
                ax.padEnd = pads[i + rank]
                ax.input = full - ax.padBegin - ax.padEnd
            }
            guard ax.input > 0 else {
                throw OpError("the output size along spatial axis \(i) would be \(ax.input) (input \(input), kernel \(kernel))")
            }
            axes.append(ax)
        }
        return WindowGeometry(axes: axes)
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let weightShape: [Int]
        let weightValues: [Float]
        if let constantWeight {
            (weightShape, weightValues) = constantWeight
        } else {
            let w = try inputs.required(1)
            (weightShape, weightValues) = (w.shape, try w.floats())
        }
        let bias = try inputs.optional(2)?.floats()
        guard x.rank >= 3, weightShape.count == x.rank else {
            throw OpError("input shape \(x.shape) and weight shape \(weightShape) do not fit ConvTranspose")
        }
        let n = x.shape[0], c = x.shape[1]
        guard weightShape[0] == c, c % group == 0 else {
            throw OpError("weight shape \(weightShape) does not match \(c) input channels and group \(group)")
        }
        let mPerGroup = weightShape[1], m = mPerGroup * group
        let kernel = Array(weightShape[2...])
        if let k = window.kernel, k != kernel {
            throw OpError("kernel_shape \(k) does not match weight shape \(weightShape)")
        }
        if let bias, bias.count != m { throw OpError("bias has \(bias.count) values, expected \(m)") }
        guard weightValues.count == (try Tensor.elementCount(weightShape)) else {
            throw OpError("weight has \(weightValues.count) values for shape \(weightShape)")
        }
        let geo = try geometry(input: Array(x.shape[2...]), kernel: kernel)
        // Forward-view geometry: `input` is our output, `output` is our input.
        let outSpatial = Array([geo.d.input, geo.h.input, geo.w.input].suffix(geo.rank))
        let outShape = [n, m] + outSpatial
        let outCount = try Tensor.elementCount(outShape, what: "the ConvTranspose output")
        let xs = try x.floats()
        var out = [Float](repeating: 0, count: outCount)
        let cPerGroup = c / group
        let inSize = geo.outputSize, outSize = geo.inputSize, kSize = geo.kernelSize
        let rows = mPerGroup * kSize
        try Sgemm.check(rows, inSize, cPerGroup)
        let colCount = try Tensor.elementCount([rows, inSize], what: "the ConvTranspose buffer")
        var col = [Float](repeating: 0, count: colCount)
        if outCount == 0 || colCount == 0 { return [Tensor(shape: outShape, floats: out)] }

        xs.withUnsafeBufferPointer { xp in
            weightValues.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    col.withUnsafeMutableBufferPointer { cp in
                        let x0 = xp.baseAddress!, w0 = wp.baseAddress!, o0 = op.baseAddress!, c0 = cp.baseAddress!
                        if let bias {
                            for i in 0..<(n * m) {
                                let b = bias[i % m]
                                (o0 + i * outSize).update(repeating: b, count: outSize)
                            }
                        }
                        for b in 0..<n {
                            for g in 0..<group {
                                // W for this group is [cPerGroup, rows]; col = W^T x X.
                                Sgemm.run(transA: true, m: rows, n: inSize, k: cPerGroup,
                                          a: w0 + g * cPerGroup * rows, lda: rows,
                                          b: x0 + (b * c + g * cPerGroup) * inSize, ldb: inSize,
                                          beta: 0, c: c0, ldc: inSize)
                                Col2im.run(col: c0, channels: mPerGroup, geometry: geo,
                                           output: o0 + (b * m + g * mPerGroup) * outSize)
                            }
                        }
                    }
                }
            }
        }
        return [Tensor(shape: outShape, floats: out)]
    }
}

/// Scatter-adds columns back into images; the inverse of `Im2col` on the same forward geometry.
enum Col2im {
    static func run(col: UnsafePointer<Float>, channels: Int, geometry g: WindowGeometry,
                    output: UnsafeMutablePointer<Float>) {
        let (D, H, W) = (g.d.input, g.h.input, g.w.input)
        let (OD, OH, OW) = (g.d.output, g.h.output, g.w.output)
        let colSize = OD * OH * OW
        var row = col
        for ch in 0..<channels {
            let plane = output + ch * D * H * W
            for kd in 0..<g.d.kernel {
                let offD = kd * g.d.dilation - g.d.padBegin
                for kh in 0..<g.h.kernel {
                    let offH = kh * g.h.dilation - g.h.padBegin
                    for kw in 0..<g.w.kernel {
                        let offW = kw * g.w.dilation - g.w.padBegin
                        let valid = Im2col.validOutputs(offset: offW, stride: g.w.stride, input: W, output: OW)
                        let s = g.w.stride
                        for od in 0..<OD {
                            let id = od * g.d.stride + offD
                            if id < 0 || id >= D { continue }
                            for oh in 0..<OH {
                                let ih = oh * g.h.stride + offH
                                if ih < 0 || ih >= H { continue }
                                let src = row + (od * OH + oh) * OW
                                let dst = plane + (id * H + ih) * W
                                for ow in valid { dst[ow * s + offW] += src[ow] }
                            }
                        }
                        row += colSize
                    }
                }
            }
        }
    }
}

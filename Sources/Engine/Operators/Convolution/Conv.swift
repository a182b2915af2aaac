import Foundation

/// An operator that can apply a clamp (a fused Relu or Clip) to its first output as it writes it.
protocol ClampFusing: Operator {
    func run(_ inputs: [Tensor?], clamp: FloatClamp?) throws -> [Tensor]
}

/// ONNX Conv: 1-D, 2-D and 3-D convolution with groups, strides, dilations, pads and auto_pad.
/// Depthwise convolutions use a direct SIMD kernel; 1-D and 2-D ones with few taps per output (input
/// channels per group x kernel size) another direct kernel; the rest pointwise as one matrix product or
/// through im2col and OpenBLAS.
final class ConvOp: ClampFusing {
    private let window: WindowAttributes
    private let group: Int
    /// The weight as floats when it is an initializer, so runs do not convert it again.
    private let constantWeight: (shape: [Int], values: [Float])?
    private let constantBias: [Float]?
    /// The constant weight repacked for `DirectConv2D`, when that kernel will take this layer; packed on the
    /// first run that takes it (a plain run may send this layer to `BlockedConvOp` instead).
    let packedWeight: PackedOnFirstUse<DirectConv2D.PackedWeights>?

    init(_ context: BuildContext) throws {
        let node = context.node
        window = try WindowAttributes(node)
        group = try node.int("group", default: 1)
        guard group >= 1 else { throw OpError("group \(group) must be positive") }
        if let w = context.constant(1) {
            let values = try w.floats()
            constantWeight = (w.shape, values)
            if ConvOp.prefersDirect(w.shape), values.count == (try? Tensor.elementCount(w.shape)),
               w.shape[0] % group == 0 {
                let (outputs, groups, taps) = (w.shape[0], group, w.shape.dropFirst().reduce(1, *))
                packedWeight = PackedOnFirstUse {
                    values.withUnsafeBufferPointer {
                        DirectConv2D.PackedWeights($0.baseAddress!, outputs: outputs, group: groups, taps: taps)
                    }
                }
            } else {
                packedWeight = nil
            }
        } else {
            constantWeight = nil
            packedWeight = nil
        }
        constantBias = try context.constant(2)?.floats()
    }

    /// Whether a weight of this shape goes to `DirectConv2D` (before the input's shape is known; `run` checks
    /// the geometry too). Not depthwise (its own kernel), at most two spatial axes, and few taps: there
    /// im2col costs as much as the product and BLAS runs far below its peak on so short a reduction.
    static func prefersDirect(_ shape: [Int]) -> Bool {
        guard shape.count == 3 || shape.count == 4, shape[1] > 1, shape.allSatisfy({ $0 > 0 }) else { return false }
        let kernel = shape.dropFirst(2).reduce(1, *)
        let taps = shape[1] * kernel
        return kernel == 1 ? shape[1] <= DirectConvTuning.pointwiseMaxChannels : taps <= DirectConvTuning.maxTaps
    }

    /// Whether a (non-depthwise) layer with this weight runs `DirectConv2D` over this geometry: `prefersDirect`,
    /// and for a pointwise layer with many channels only over a small plane (BLAS wins on large ones).
    static func routesToDirect(_ weightShape: [Int], geometry geo: WindowGeometry) -> Bool {
        DirectConv2D.supports(geo) && prefersDirect(weightShape)
            && (geo.kernelSize > 1 || weightShape[1] <= DirectConvTuning.pointwiseWideChannels
                || geo.outputSize <= DirectConvTuning.pointwiseSmallPlane)
    }

    /// QSCOPE_DW_BLOCKED=1 or 0 sends every depthwise layer with multiplier 1 to `DepthwiseChannelBlocked`,
    /// or none; unset, `DepthwiseChannelBlocked.prefers` chooses (kept to compare the two kernels).
    static let channelBlockedDepthwise: Bool? = getenv("QSCOPE_DW_BLOCKED").flatMap {
        ["1": true, "0": false][String(cString: $0)]
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] { try run(inputs, clamp: nil) }

    func run(_ inputs: [Tensor?], clamp: FloatClamp?) throws -> [Tensor] {
        let x = try inputs.required(0)
        let weightShape: [Int]
        let weightValues: [Float]
        if let constantWeight {
            (weightShape, weightValues) = constantWeight
        } else {
            let w = try inputs.required(1)
            (weightShape, weightValues) = (w.shape, try w.floats())
        }
        let bias: [Float]?
        if let constantBias { bias = constantBias } else { bias = try inputs.optional(2)?.floats() }

        guard x.rank >= 3 else { throw OpError("input X has shape \(x.shape); Conv needs [N, C, spatial...]") }
        guard weightShape.count == x.rank else {
            throw OpError("weight shape \(weightShape) does not match input rank \(x.rank)")
        }
        let n = x.shape[0], c = x.shape[1], m = weightShape[0], cPerGroup = weightShape[1]
        guard c % group == 0, m % group == 0, cPerGroup * group == c else {
            throw OpError("input channels \(c), weight \(weightShape) and group \(group) are inconsistent")
        }
        let kernel = Array(weightShape[2...])
        if let k = window.kernel, k != kernel {
            throw OpError("kernel_shape \(k) does not match weight shape \(weightShape)")
        }
        if let bias, bias.count != m { throw OpError("bias has \(bias.count) values, expected \(m)") }
        let geo = try WindowGeometry.forward(input: Array(x.shape[2...]), kernel: kernel, attributes: window)

        let outShape = [n, m] + geo.outputShape
        let outCount = try Tensor.elementCount(outShape, what: "the Conv output")
        let xs = try x.floats()
        guard weightValues.count == (try Tensor.elementCount(weightShape)) else {
            throw OpError("weight has \(weightValues.count) values for shape \(weightShape)")
        }
        if outCount == 0 { return [Tensor(shape: outShape, floats: [])] }

        let mPerGroup = m / group
        let inSize = geo.inputSize, outSize = geo.outputSize, kSize = geo.kernelSize
        let isDepthwise = cPerGroup == 1 && group == c && geo.d.kernel == 1 && geo.d.input == 1
        let isPointwise = kSize == 1 && [geo.d, geo.h, geo.w].allSatisfy {
            $0.stride == 1 && $0.padBegin == 0 && $0.padEnd == 0 && $0.output == $0.input
        }
        try Sgemm.check(mPerGroup, outSize, cPerGroup * kSize)
        var out = SpanMath.uninitialized(outCount)
        let direct = !isDepthwise && ConvOp.routesToDirect(weightShape, geometry: geo)

        xs.withUnsafeBufferPointer { xp in
            weightValues.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    let x0 = xp.baseAddress!, w0 = wp.baseAddress!, o0 = op.baseAddress!
                    func withBias(_ body: (UnsafePointer<Float>?) -> Void) {
                        if let bias { bias.withUnsafeBufferPointer { body($0.baseAddress!) } } else { body(nil) }
                    }
                    if isDepthwise && DepthwiseChannelBlocked.supports(geo, multiplier: mPerGroup)
                        && ConvOp.channelBlockedDepthwise ?? DepthwiseChannelBlocked.prefers(geo) {
                        withBias { b in
                            DepthwiseChannelBlocked.run(input: x0, weights: w0, bias: b, output: o0, batch: n,
                                                        channels: c, geometry: geo, clamp: clamp)
                        }
                        return
                    }
                    if isDepthwise {
                        withBias { b in
                            DepthwiseConv2D.run(input: x0, weights: w0, bias: b, output: o0, batch: n, channels: c,
                                                multiplier: mPerGroup, geometry: geo, clamp: clamp)
                        }
                        return
                    }
                    if direct {
                        let packed = packedWeight?.get ?? DirectConv2D.PackedWeights(w0, outputs: m, group: group,
                                                                                taps: cPerGroup * kSize)
                        withBias { b in
                            DirectConv2D.run(input: x0, weights: packed, bias: b, output: o0, batch: n, channels: c,
                                             outputs: m, group: group, geometry: geo, clamp: clamp)
                        }
                        return
                    }
                    let rows = cPerGroup * kSize
                    // im2col writes every element, so the buffer starts uninitialized.
                    var col = isPointwise ? [] : [Float](unsafeUninitializedCapacity: rows * outSize) { _, n in
                        n = rows * outSize
                    }
                    col.withUnsafeMutableBufferPointer { cp in
                        for b in 0..<n {
                            for g in 0..<group {
                                let xg = x0 + (b * c + g * cPerGroup) * inSize
                                let source: UnsafePointer<Float>
                                if isPointwise {
                                    source = UnsafePointer(xg)
                                } else {
                                    Im2col.run(input: xg, channels: cPerGroup, geometry: geo, col: cp.baseAddress!)
                                    source = UnsafePointer(cp.baseAddress!)
                                }
                                Sgemm.run(m: mPerGroup, n: outSize, k: rows,
                                          a: w0 + g * mPerGroup * rows, lda: rows, b: source, ldb: outSize,
                                          beta: 0, c: o0 + (b * m + g * mPerGroup) * outSize, ldc: outSize)
                            }
                        }
                    }
                    // Bias and activation in one pass over the products.
                    if bias != nil || clamp != nil {
                        for i in 0..<(n * m) {
                            SpanMath.biasAndClamp(o0 + i * outSize, outSize, bias: bias?[i % m] ?? 0, clamp)
                        }
                    }
                }
            }
        }
        return [Tensor(shape: outShape, floats: out)]
    }
}

/// Unfolds input windows into columns: row (channel, kd, kh, kw), column (output position).
enum Im2col {
    /// For tap offset `offset` (= tap * dilation - padBegin), the output positions whose input index is valid.
    @inline(__always)
    static func validOutputs(offset: Int, stride: Int, input: Int, output: Int) -> Range<Int> {
        let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let last = input - 1 - offset
        let hi = last < 0 ? 0 : min(output, last / stride + 1)
        return min(lo, output)..<max(min(lo, output), hi)
    }

    static func run(input: UnsafePointer<Float>, channels: Int, geometry g: WindowGeometry,
                    col: UnsafeMutablePointer<Float>) {
        let (D, H, W) = (g.d.input, g.h.input, g.w.input)
        let (OD, OH, OW) = (g.d.output, g.h.output, g.w.output)
        let outSize = OD * OH * OW
        var row = col
        for ch in 0..<channels {
            let plane = input + ch * D * H * W
            for kd in 0..<g.d.kernel {
                let offD = kd * g.d.dilation - g.d.padBegin
                for kh in 0..<g.h.kernel {
                    let offH = kh * g.h.dilation - g.h.padBegin
                    for kw in 0..<g.w.kernel {
                        let offW = kw * g.w.dilation - g.w.padBegin
                        let valid = validOutputs(offset: offW, stride: g.w.stride, input: W, output: OW)
                        for od in 0..<OD {
                            let id = od * g.d.stride + offD
                            for oh in 0..<OH {
                                let dst = row + (od * OH + oh) * OW
                                let ih = oh * g.h.stride + offH
                                if id < 0 || id >= D || ih < 0 || ih >= H {
                                    dst.update(repeating: 0, count: OW)
                                    continue
                                }
                                let src = plane + (id * H + ih) * W
                                for ow in 0..<valid.lowerBound { dst[ow] = 0 }
                                if g.w.stride == 1 {
                                    if !valid.isEmpty {
                                        (dst + valid.lowerBound).update(from: src + valid.lowerBound + offW,
                                                                        count: valid.count)
                                    }
                                } else if g.w.stride == 2 {
                                    // Eight outputs from one sixteen-wide load, while it stays inside the row.
                                    var ow = valid.lowerBound
                                    while ow + 8 <= valid.upperBound && ow * 2 + offW + 16 <= W {
                                        UnsafeMutableRawPointer(dst + ow).storeBytes(
                                            of: DoubleStrideLoad.load(src + ow * 2 + offW, stride: 2), as: SIMD8<Float>.self)
                                        ow += 8
                                    }
                                    while ow < valid.upperBound {
                                        dst[ow] = src[ow * 2 + offW]
                                        ow += 1
                                    }
                                } else {
                                    let s = g.w.stride
                                    for ow in valid { dst[ow] = src[ow * s + offW] }
                                }
                                for ow in valid.upperBound..<OW { dst[ow] = 0 }
                            }
                        }
                        row += outSize
                    }
                }
            }
        }
    }
}

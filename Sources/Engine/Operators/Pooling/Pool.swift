/// The pooling attributes common to MaxPool and AveragePool.
private struct PoolAttributes {
    let window: WindowAttributes
    let ceilMode: Bool

    init(_ node: Node) throws {
        window = try WindowAttributes(node)
        ceilMode = try node.int("ceil_mode", default: 0) != 0
        guard window.kernel != nil else { throw OpError("the kernel_shape attribute is required") }
    }

    func geometry(for x: Tensor) throws -> WindowGeometry {
        guard x.rank >= 3 else { throw OpError("input has shape \(x.shape); pooling needs [N, C, spatial...]") }
        return try WindowGeometry.forward(input: Array(x.shape[2...]), kernel: window.kernel ?? [],
                                          attributes: window, ceilMode: ceilMode)
    }
}

/// Per-axis tables of the kernel taps that land inside the input, for every output position.
private struct TapTables {
    let d: [Range<Int>], h: [Range<Int>], w: [Range<Int>]
    /// Taps inside the padded extent [-padBegin, input + padEnd), for count_include_pad.
    let paddedD: [Int], paddedH: [Int], paddedW: [Int]

    init(_ g: WindowGeometry) {
        func valid(_ a: WindowAxis) -> [Range<Int>] { (0..<a.output).map { a.validTaps($0) } }
        func padded(_ a: WindowAxis) -> [Int] {
            (0..<a.output).map { o in
                let start = o * a.stride - a.padBegin
                return (0..<a.kernel).reduce(0) { n, k in
                    let p = start + k * a.dilation
                    return n + (p >= -a.padBegin && p < a.input + a.padEnd ? 1 : 0)
                }
            }
        }
        d = valid(g.d); h = valid(g.h); w = valid(g.w)
        paddedD = padded(g.d); paddedH = padded(g.h); paddedW = padded(g.w)
    }
}

/// ONNX MaxPool (1-D to 3-D) with pads, auto_pad, dilations, ceil_mode and the optional Indices output.
/// 8-bit inputs are pooled through float and converted back (exact: max selects an element).
final class MaxPoolOp: Operator {
    private let attributes: PoolAttributes
    private let storageOrder: Int
    private let wantsIndices: Bool

    init(_ context: BuildContext) throws {
        attributes = try PoolAttributes(context.node)
        storageOrder = try context.node.int("storage_order", default: 0)
        guard storageOrder == 0 || storageOrder == 1 else {
            throw OpError("storage_order \(storageOrder) must be 0 or 1")
        }
        let outs = context.node.outputs
        wantsIndices = outs.count > 1 && !outs[1].isEmpty
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let g = try attributes.geometry(for: x)
        let planes = x.shape[0] * x.shape[1]
        let outShape = Array(x.shape[..<2]) + g.outputShape
        let count = try Tensor.elementCount(outShape, what: "the MaxPool output")
        let xs: [Float]
        switch x.data {
        case .float(let a): xs = a
        case .uint8, .int8: xs = x.asFloats()
        default: throw OpError("MaxPool does not support \(x.dtype.name) input")
        }
        var y = SpanMath.uninitialized(count)
        var indices = [Int64](repeating: 0, count: wantsIndices ? count : 0)
        let taps = TapTables(g)
        let (D, H, W) = (g.d.input, g.h.input, g.w.input)
        let (OD, OH, OW) = (g.d.output, g.h.output, g.w.output)
        let inSize = g.inputSize, outSize = g.outputSize
        let columnMajor = storageOrder == 1
        if count > 0 && !wantsIndices && g.d.input == 1 && g.d.kernel == 1 {
            xs.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    PoolKernel2D.run(MaxCombine.self, input: xp.baseAddress!, output: yp.baseAddress!,
                                     planes: planes, geometry: g, rowScale: nil, columnScale: nil)
                }
            }
        } else if count > 0 {
            xs.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    indices.withUnsafeMutableBufferPointer { ip in
                        for p in 0..<planes {
                            let src = xp.baseAddress! + p * inSize
                            var o = p * outSize
                            for od in 0..<OD {
                                let d0 = od * g.d.stride - g.d.padBegin
                                for oh in 0..<OH {
                                    let h0 = oh * g.h.stride - g.h.padBegin
                                    for ow in 0..<OW {
                                        let w0 = ow * g.w.stride - g.w.padBegin
                                        var best = -Float.infinity
                                        var bestAt = -1
                                        for kd in taps.d[od] {
                                            let id = d0 + kd * g.d.dilation
                                            for kh in taps.h[oh] {
                                                let row = (id * H + h0 + kh * g.h.dilation) * W + w0
                                                for kw in taps.w[ow] {
                                                    let at = row + kw * g.w.dilation
                                                    let v = src[at]
                                                    // NaN propagates like ONNX Runtime's max.
                                                    if v > best || v.isNaN && !best.isNaN || bestAt < 0 {
                                                        best = v
                                                        bestAt = at
                                                    }
                                                }
                                            }
                                        }
                                        yp[o] = best
                                        if wantsIndices {
                                            var flat = max(bestAt, 0)
                                            if columnMajor {
                                                let iw = flat % W, ih = (flat / W) % H, id = flat / (W * H)
                                                flat = (iw * H + ih) * D + id
                                            }
                                            ip[o] = Int64(p * inSize + flat)
                                        }
                                        o += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let values: TensorData
        switch x.data {
        case .uint8: values = .uint8(y.map { UInt8($0) })
        case .int8: values = .int8(y.map { Int8($0) })
        default: values = .float(y)
        }
        var outputs = [Tensor(shape: outShape, data: values)]
        if wantsIndices { outputs.append(Tensor(shape: outShape, int64s: indices)) }
        return outputs
    }
}

/// ONNX AveragePool (1-D to 3-D) with pads, auto_pad, dilations, ceil_mode and count_include_pad.
final class AveragePoolOp: Operator {
    private let attributes: PoolAttributes
    private let countIncludePad: Bool

    init(_ context: BuildContext) throws {
        attributes = try PoolAttributes(context.node)
        countIncludePad = try context.node.int("count_include_pad", default: 0) != 0
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let g = try attributes.geometry(for: x)
        let planes = x.shape[0] * x.shape[1]
        let outShape = Array(x.shape[..<2]) + g.outputShape
        let count = try Tensor.elementCount(outShape, what: "the AveragePool output")
        let xs = try x.floats()
        var y = SpanMath.uninitialized(count)
        let taps = TapTables(g)
        let (H, W) = (g.h.input, g.w.input)
        let (OD, OH, OW) = (g.d.output, g.h.output, g.w.output)
        let inSize = g.inputSize, outSize = g.outputSize
        if count > 0 && g.d.input == 1 && g.d.kernel == 1 {
            // Window counts are separable: the divisor is (rows counted) x (columns counted).
            func reciprocals(_ counts: [Int]) -> [Float] { counts.map { $0 > 0 ? 1 / Float($0) : 0 } }
            let rowScale = reciprocals(countIncludePad ? taps.paddedH : taps.h.map(\.count))
            let columnScale = reciprocals(countIncludePad ? taps.paddedW : taps.w.map(\.count))
            xs.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    PoolKernel2D.run(SumCombine.self, input: xp.baseAddress!, output: yp.baseAddress!,
                                     planes: planes, geometry: g, rowScale: rowScale, columnScale: columnScale)
                }
            }
        } else if count > 0 {
            xs.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    for p in 0..<planes {
                        let src = xp.baseAddress! + p * inSize
                        var o = p * outSize
                        for od in 0..<OD {
                            let d0 = od * g.d.stride - g.d.padBegin
                            for oh in 0..<OH {
                                let h0 = oh * g.h.stride - g.h.padBegin
                                for ow in 0..<OW {
                                    let w0 = ow * g.w.stride - g.w.padBegin
                                    var sum: Float = 0
                                    for kd in taps.d[od] {
                                        let id = d0 + kd * g.d.dilation
                                        for kh in taps.h[oh] {
                                            let row = src + (id * H + h0 + kh * g.h.dilation) * W + w0
                                            for kw in taps.w[ow] { sum += row[kw * g.w.dilation] }
                                        }
                                    }
                                    let n = countIncludePad
                                        ? taps.paddedD[od] * taps.paddedH[oh] * taps.paddedW[ow]
                                        : taps.d[od].count * taps.h[oh].count * taps.w[ow].count
                                    yp[o] = n > 0 ? sum / Float(n) : 0
                                    o += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return [Tensor(shape: outShape, floats: y)]
    }
}

/// Reduces every [N, C] plane of a tensor over its spatial axes.
private func globalPool(_ x: Tensor, _ reduce: (UnsafePointer<Float>, Int) -> Float) throws -> Tensor {
    guard x.rank >= 3 else { throw OpError("input has shape \(x.shape); global pooling needs [N, C, spatial...]") }
    let planes = x.shape[0] * x.shape[1]
    let size = x.shape[2...].reduce(1, *)
    let xs = try x.floats()
    var y = [Float](repeating: 0, count: planes)
    if size > 0 {
        xs.withUnsafeBufferPointer { xp in
            for p in 0..<planes { y[p] = reduce(xp.baseAddress! + p * size, size) }
        }
    }
    return Tensor(shape: Array(x.shape[..<2]) + Array(repeating: 1, count: x.rank - 2), floats: y)
}

/// ONNX GlobalAveragePool: the mean of each channel plane.
final class GlobalAveragePoolOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        [try globalPool(try inputs.required(0)) { p, n in SpanMath.sum(p, n) / Float(n) }]
    }
}

/// ONNX GlobalMaxPool: the maximum of each channel plane.
final class GlobalMaxPoolOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        [try globalPool(try inputs.required(0)) { p, n in SpanMath.max(p, n) }]
    }
}

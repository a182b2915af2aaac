/// Int32 lanes as wide as `WideFloats`, for converting its sums.
#if QSCOPE_AVX512
typealias WideInts = SIMD16<Int32>
#else
typealias WideInts = SIMD8<Int32>
#endif

/// Integer 2-D convolution (regular, grouped, depthwise; strides, pads, dilations): centered input levels
/// times int8 weights accumulated exactly in int32, plus the int32 bias, requantized per output channel with
/// a fused Relu/Clip as an integer clamp.
final class ConvKernel: AccKernel {
    private let window: Window2D
    private let group: Int
    private let layer: IntegerLayer
    private let weightShape: [Int]
    /// Weights as floats for the sgemm path (exact small integers), and as int32 for the depthwise path.
    private let weightFloats: [Float]
    private let weightInts: [Int32]
    private let inParams: QuantParams
    private let outParams: QuantParams
    private let clamp: OutputClamp
    private let requant: [Requantizer]
    /// The float kernels' view of the window, and the weights packed for `DirectConv2D`, which computes a
    /// layer of few taps exactly as the float run does (see `exactProducts`).
    private let attributes: WindowAttributes
    private let directWeights: DirectConv2D.PackedWeights?

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
        let floats = layer.weights.map { Float($0) }
        weightFloats = floats
        weightInts = layer.weights.map { Int32($0) }
        clamp = ctx.clamp()
        requant = layer.requantizers(inputScale: inParams.scale, outputScale: outParams.scale, rounding: ctx.rounding)
        attributes = try WindowAttributes(ctx.node)
        let taps = w.shape[1] * w.shape[2] * w.shape[3]
        if ConvOp.prefersDirect(w.shape) && taps <= ExactIntGemm.chunk {
            let groups = group
            directWeights = floats.withUnsafeBufferPointer {
                DirectConv2D.PackedWeights($0.baseAddress!, outputs: w.shape[0], group: groups, taps: taps)
            }
        } else {
            directWeights = nil
        }
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
        // Every value is written by the per-channel requantization below.
        var levels = [Int32](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        let depthwiseLayer = cg == 1 && m == group
        // Without the pre-activation, the float-exact depthwise requantizes each channel as soon as it is
        // computed, while its accumulators are still in cache.
        if depthwiseLayer, !wantPreActivation, count > 0,
           levels.withUnsafeMutableBufferPointer({ depthwiseInFloat(x, [n, c, h, wd], out, win, count: count, requantizeInto: $0.baseAddress!) }) != nil {
            return AccOutput(outputs: [QTensor(shape: [n, m, out[0], out[1]], levels: levels, params: outParams)], preActivation: nil)
        }
        // A reduction of one exact chunk: the requantization reads sgemm's integer-valued floats directly.
        if !depthwiseLayer, !wantPreActivation, count > 0, cg * win.kernel[0] * win.kernel[1] <= ExactIntGemm.chunk {
            var products = [Float](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
            try products.withUnsafeMutableBufferPointer { try exactProducts(x, [n, c, h, wd], out, win, into: $0.baseAddress!) }
            products.withUnsafeBufferPointer { pp in
                levels.withUnsafeMutableBufferPointer { lp in
                    for b in 0..<n {
                        for ch in 0..<m {
                            let base = (b * m + ch) * plane
                            requant[ch].apply(floats: pp.baseAddress! + base, plus: layer.bias[ch], count: plane, zeroPoint: outParams.zeroPoint,
                                              lo: clamp.lo, hi: clamp.hi, into: lp.baseAddress! + base)
                        }
                    }
                }
            }
            return AccOutput(outputs: [QTensor(shape: [n, m, out[0], out[1]], levels: levels, params: outParams)], preActivation: nil)
        }
        var acc: [Int32]
        if depthwiseLayer, let exact = depthwiseInFloat(x, [n, c, h, wd], out, win, count: count, requantizeInto: nil) {
            acc = exact
        } else {
            if depthwiseLayer {
                acc = [Int32](repeating: 0, count: count)
                depthwise(x.centered(), [n, c, h, wd], out, win, &acc)
            } else {
                // Every block is overwritten by its product (k = 0 writes zeros).
                acc = [Int32](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
                try acc.withUnsafeMutableBufferPointer { try im2colGemm(x, [n, c, h, wd], out, win, into: $0.baseAddress) }
            }
        }
        // Bias, then requantize per channel.
        var pre = [Float](repeating: 0, count: wantPreActivation ? count : 0)
        acc.withUnsafeBufferPointer { ap in
            levels.withUnsafeMutableBufferPointer { lp in
                pre.withUnsafeMutableBufferPointer { pp in
                    for b in 0..<n {
                        for ch in 0..<m {
                            let bias = layer.bias[ch], base = (b * m + ch) * plane
                            requant[ch].apply(ap.baseAddress! + base, plus: bias, count: plane, zeroPoint: outParams.zeroPoint,
                                              lo: clamp.lo, hi: clamp.hi, into: lp.baseAddress! + base)
                            guard wantPreActivation else { continue }
                            let realScale = inParams.scale * layer.weightScales[ch]
                            for i in base..<(base + plane) { pp[i] = Float(ap[i] &+ bias) * realScale }
                        }
                    }
                }
            }
        }
        let shape = [n, m, out[0], out[1]]
        return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)],
                         preActivation: wantPreActivation ? Tensor(shape: shape, floats: pre) : nil)
    }

    /// One input channel per group: for each output row and each kernel tap, the valid output columns are
    /// computed once and the tap is added to that stretch of the row (a loop the compiler vectorizes for unit
    /// stride). Padding contributes level zero after centering, so skipped taps add nothing. Wrapping int32
    /// sums are exact for int8 × int8 products over any realistic window, in any order.
    private func depthwise(_ x: [Int32], _ s: [Int], _ out: [Int], _ win: Window2D, _ acc: inout [Int32]) {
        let (n, c, h, wd) = (s[0], s[1], s[2], s[3])
        let (kh, kw) = (win.kernel[0], win.kernel[1])
        let (sy, sx, py, px, dy, dx) = (win.strides[0], win.strides[1], win.pads[0], win.pads[1], win.dilations[0], win.dilations[1])
        let (oh, ow) = (out[0], out[1])
        let colRange = Self.validColumns(win, inputWidth: wd, outputWidth: ow)
        x.withUnsafeBufferPointer { xp in
            weightInts.withUnsafeBufferPointer { wp in
                acc.withUnsafeMutableBufferPointer { ap in
                    for b in 0..<n {
                        for ch in 0..<c {
                            let xBase = (b * c + ch) * h * wd, wBase = ch * kh * kw, oBase = (b * c + ch) * oh * ow
                            for oy in 0..<oh {
                                let dst = ap.baseAddress! + oBase + oy * ow
                                for ky in 0..<kh {
                                    let iy = oy * sy - py + ky * dy
                                    if iy < 0 || iy >= h { continue }
                                    let row = xp.baseAddress! + xBase + iy * wd
                                    for kx in 0..<kw {
                                        let wv = wp[wBase + ky * kw + kx]
                                        let (first, end) = colRange[kx]
                                        let src = row + (kx * dx - px)
                                        if sx == 1 {
                                            for ox in first..<end { dst[ox] &+= src[ox] &* wv }
                                        } else {
                                            for ox in first..<end { dst[ox] &+= src[ox &* sx] &* wv }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The depthwise convolution in float, when that is exact: every product and partial sum is an integer
    /// below 2^22 in magnitude (at most kh·kw products of |x| · 127), so float sums them without rounding in
    /// any order, and the result converts to int32 without a range check. Returns the `count` accumulators,
    /// or nil (computing nothing) when the bound does not hold. With `requantizeInto`, each channel is
    /// requantized (bias, per-channel requantizer, clamp) into the output levels there as soon as it is
    /// computed, and only one channel's accumulators are kept (the returned array is scratch).
    private func depthwiseInFloat(_ x: QTensor, _ s: [Int], _ out: [Int], _ win: Window2D, count: Int,
                                  requantizeInto levelsOut: UnsafeMutablePointer<Int32>?) -> [Int32]? {
        let (n, c, h, wd) = (s[0], s[1], s[2], s[3])
        let (kh, kw) = (win.kernel[0], win.kernel[1])
        let (sy, sx, py, px, dy, dx) = (win.strides[0], win.strides[1], win.pads[0], win.pads[1], win.dilations[0], win.dilations[1])
        let (oh, ow) = (out[0], out[1])
        var (least, most) = (Int32.max, Int32.min)
        for q in x.levels { least = min(least, q); most = max(most, q) }
        let zp = Int64(x.params.zeroPoint)
        let maxAbs = max(abs(Int64(least) - zp), abs(Int64(most) - zp))
        guard Double(maxAbs) * 127 * Double(kh * kw) < 4_194_304 else { return nil }
        let accCount = levelsOut == nil ? count : oh * ow
        var acc = [Int32](unsafeUninitializedCapacity: accCount) { _, initialized in initialized = accCount }
        // Each channel is copied once into zero-padded phase planes: phase p, row Y (padded row), column j holds
        // padded column j·sx + p. Output (oy, ox) then sums, over taps, phase (kx·dx mod sx) at row oy·sy + ky·dy,
        // column ox + kx·dx / sx: eight outputs at a time in a register, with no bounds or padding tests.
        let taps: [(phase: Int, shift: Int)] = (0..<kw).map { kx in ((kx * dx) % sx, (kx * dx) / sx) }
        let lanes = WideFloats.scalarCount, owPadded = (ow + lanes - 1) / lanes * lanes
        let ph = max(h + py, (oh - 1) * sy + (kh - 1) * dy + 1)
        let pw = max((wd + px + sx - 1) / sx, (taps.map(\.shift).max() ?? 0) + owPadded)
        // Tap (ky, kx) in weight order, as an offset from output row oy's start (oy · sy rows down) in the planes.
        let tapOffsets: [Int] = (0..<(kh * kw)).map { t in
            let (ky, kx) = (t / kw, t % kw)
            return (taps[kx].phase * ph + ky * dy) * pw + taps[kx].shift
        }
        var phases = [Float](repeating: 0, count: sx * ph * pw)
        // Per phase p: the plane columns j whose input column j·sx + p - px lies inside the input.
        let phaseColumns: [(Int, Int)] = (0..<sx).map { p in
            let j0 = max(0, (px - p + sx - 1) / sx)
            return (j0, max(j0, min(pw, (wd + px - p + sx - 1) / sx)))
        }
        var row = [Float](repeating: 0, count: owPadded)
        let zeroLevel = x.params.zeroPoint
        let magic: Float = 12_582_912, magicBits = Int32(bitPattern: magic.bitPattern)
        let magicV = WideFloats(repeating: magic), magicBitsV = WideInts(repeating: magicBits)
        x.levels.withUnsafeBufferPointer { xp in
            weightFloats.withUnsafeBufferPointer { wp in
                phases.withUnsafeMutableBufferPointer { php in
                    row.withUnsafeMutableBufferPointer { rp in
                        acc.withUnsafeMutableBufferPointer { ap in
                          tapOffsets.withUnsafeBufferPointer { op in
                            let planes = php.baseAddress!, r = UnsafeMutableRawPointer(rp.baseAddress!)
                            for b in 0..<n {
                                for ch in 0..<c {
                                    let plane = xp.baseAddress! + (b * c + ch) * h * wd
                                    // Only the input's own positions are written: the padding around them is the
                                    // same for every channel and stays zero from the allocation.
                                    for (p, (j0, j1)) in phaseColumns.enumerated() where j0 < j1 {
                                        for iy in 0..<h {
                                            let dst = planes + (p * ph + iy + py) * pw + j0
                                            Self.centeredRow(plane + iy * wd + (j0 * sx + p - px), stride: sx, count: j1 - j0,
                                                             zero: zeroLevel, into: dst)
                                        }
                                    }
                                    let wBase = wp.baseAddress! + ch * kh * kw
                                    let oBase = ap.baseAddress! + (levelsOut == nil ? (b * c + ch) * oh * ow : 0)
                                    let taps = kh * kw
                                    for oy in 0..<oh {
                                        let rowBase = UnsafeRawPointer(planes + oy * sy * pw)
                                        let dst = oBase + oy * ow
                                        // Sums of eight outputs go straight to the accumulators when all eight exist,
                                        // else to the row buffer (the last, partial group).
                                        @inline(__always) func emit(_ sum: WideFloats, _ at: Int) {
                                            if at &+ lanes <= ow {
                                                let bits = unsafeBitCast(sum + magicV, to: WideInts.self) &- magicBitsV
                                                UnsafeMutableRawPointer(dst + at).storeBytes(of: bits, as: WideInts.self)
                                            } else {
                                                (r + at &* 4).storeBytes(of: sum, as: WideFloats.self)
                                            }
                                        }
                                        var ox0 = 0
                                        // Four groups per pass: each tap's offset and weight are loaded once for 32 outputs.
                                        while ox0 &+ 4 &* lanes <= owPadded {
                                            var (s0, s1, s2, s3) = (WideFloats(), WideFloats(), WideFloats(), WideFloats())
                                            let base = rowBase + ox0 &* 4, bytes = lanes &* 4
                                            for t in 0..<taps {
                                                let v = base + op[t] &* 4, w = WideFloats(repeating: wBase[t])
                                                s0 = s0.addingProduct(v.loadUnaligned(as: WideFloats.self), w)
                                                s1 = s1.addingProduct((v + bytes).loadUnaligned(as: WideFloats.self), w)
                                                s2 = s2.addingProduct((v + 2 &* bytes).loadUnaligned(as: WideFloats.self), w)
                                                s3 = s3.addingProduct((v + 3 &* bytes).loadUnaligned(as: WideFloats.self), w)
                                            }
                                            emit(s0, ox0); emit(s1, ox0 &+ lanes); emit(s2, ox0 &+ 2 &* lanes); emit(s3, ox0 &+ 3 &* lanes)
                                            ox0 &+= 4 &* lanes
                                        }
                                        while ox0 < ow {
                                            // Four chains over the taps (a short row has no four groups to interleave);
                                            // the sums are exact integers, so their order does not matter.
                                            var (s0, s1, s2, s3) = (WideFloats(), WideFloats(), WideFloats(), WideFloats())
                                            let base = rowBase + ox0 &* 4
                                            @inline(__always) func tap(_ t: Int) -> WideFloats {
                                                (base + op[t] &* 4).loadUnaligned(as: WideFloats.self)
                                            }
                                            var t = 0
                                            while t &+ 4 <= taps {
                                                s0 = s0.addingProduct(tap(t), WideFloats(repeating: wBase[t]))
                                                s1 = s1.addingProduct(tap(t &+ 1), WideFloats(repeating: wBase[t &+ 1]))
                                                s2 = s2.addingProduct(tap(t &+ 2), WideFloats(repeating: wBase[t &+ 2]))
                                                s3 = s3.addingProduct(tap(t &+ 3), WideFloats(repeating: wBase[t &+ 3]))
                                                t &+= 4
                                            }
                                            while t < taps {
                                                s0 = s0.addingProduct(tap(t), WideFloats(repeating: wBase[t]))
                                                t &+= 1
                                            }
                                            emit((s0 + s1) + (s2 + s3), ox0)
                                            ox0 &+= lanes
                                        }
                                        for ox in (ow / lanes * lanes)..<ow { dst[ox] = Int32(bitPattern: (rp[ox] + magic).bitPattern) &- magicBits }
                                    }
                                    if let levelsOut {
                                        requant[ch].apply(oBase, plus: layer.bias[ch], count: oh * ow, zeroPoint: outParams.zeroPoint,
                                                          lo: clamp.lo, hi: clamp.hi, into: levelsOut + (b * c + ch) * oh * ow)
                                    }
                                }
                            }
                          }
                        }
                    }
                }
            }
        }
        return acc
    }

    /// `dst[j] = Float(src[j · stride] - zero)` for `j` in `0..<count`: eight values at a time for strides 1 and 2.
    @inline(__always)
    static func centeredRow(_ src: UnsafePointer<Int32>, stride: Int, count: Int, zero: Int32, into dst: UnsafeMutablePointer<Float>) {
        var j = 0
        if stride == 1 {
            for i in 0..<count { dst[i] = Float(src[i] &- zero) }
            return
        }
        if stride == 2 {
            let raw = UnsafeRawPointer(src), out = UnsafeMutableRawPointer(dst), z = SIMD8<Int32>(repeating: zero)
            // Reads src[2j ... 2j + 15]: within the row while j + 8 < count (the last read is 2·count - 3).
            while j &+ 8 < count {
                let v = raw.loadUnaligned(fromByteOffset: j &* 8, as: SIMD16<Int32>.self).evenHalf &- z
                out.storeBytes(of: SIMD8<Float>(v), toByteOffset: j &* 4, as: SIMD8<Float>.self)
                j &+= 8
            }
        }
        while j < count {
            dst[j] = Float(src[j &* stride] &- zero)
            j &+= 1
        }
    }

    /// The products of a layer whose reduction is one exact chunk, as integer-valued floats. A layer the float
    /// run sends to `DirectConv2D` goes there too, on the centered levels: every partial sum is an integer below
    /// 2^24 (the chunk bound), so its FMAs are exact in any order, and it skips im2col and a BLAS call that runs
    /// far below peak on so short a reduction. Other layers take im2col and sgemm.
    private func exactProducts(_ x: QTensor, _ s: [Int], _ out: [Int], _ win: Window2D,
                               into floats: UnsafeMutablePointer<Float>) throws {
        let (n, c, h, wd) = (s[0], s[1], s[2], s[3])
        if let directWeights,
           let geo = try? WindowGeometry.forward(input: [h, wd], kernel: Array(weightShape[2...]), attributes: attributes),
           geo.outputShape == out, ConvOp.routesToDirect(weightShape, geometry: geo) {
            x.centeredFloats().withUnsafeBufferPointer { xp in
                DirectConv2D.run(input: xp.baseAddress!, weights: directWeights, bias: nil, output: floats, batch: n,
                                 channels: c, outputs: weightShape[0], group: group, geometry: geo, clamp: nil)
            }
            return
        }
        try im2colGemm(x, s, out, win, into: nil, floats: floats)
    }

    /// Per kernel column kx: the first and past-the-end output columns ox whose input column
    /// `ox · stride + kx · dilation - pad` lies inside the input (both within 0...outputWidth, first ≤ end).
    static func validColumns(_ win: Window2D, inputWidth wd: Int, outputWidth ow: Int) -> [(Int, Int)] {
        let (sx, px, dx) = (win.strides[1], win.pads[1], win.dilations[1])
        return (0..<win.kernel[1]).map { kx in
            let off = kx * dx - px
            let first = min(ow, off >= 0 ? 0 : (-off + sx - 1) / sx)
            let end = wd - off <= 0 ? 0 : min(ow, (wd - off - 1) / sx + 1)
            return (first, max(first, end))
        }
    }

    /// Per image and group: columns [Cg·kh·kw × OH·OW] of centered levels as floats (padding is level zero
    /// after centering), times the group's weights [Mg × Cg·kh·kw]. A 1×1 stride-1 unpadded convolution
    /// reads the centered input itself, which already has that layout.
    /// The products go to `acc` as int32, or (for a reduction of at most one exact chunk) to `floats` as the
    /// exact integer-valued floats sgemm leaves.
    private func im2colGemm(_ x: QTensor, _ s: [Int], _ out: [Int], _ win: Window2D, into acc: UnsafeMutablePointer<Int32>?,
                            floats: UnsafeMutablePointer<Float>? = nil) throws {
        let (n, c, h, wd) = (s[0], s[1], s[2], s[3])
        let (kh, kw) = (win.kernel[0], win.kernel[1])
        let (sy, sx) = (win.strides[0], win.strides[1])
        let (oh, ow) = (out[0], out[1])
        let m = weightShape[0], cg = c / group, mg = m / group
        let k = cg * kh * kw, plane = oh * ow
        guard k > 0, plane > 0, mg > 0 else {
            // An empty reduction (the caller did not zero the output).
            acc?.update(repeating: 0, count: n * m * plane)
            floats?.update(repeating: 0, count: n * m * plane)
            return
        }
        precondition(floats == nil || k <= ExactIntGemm.chunk, "float products need a single exact chunk")
        let centered = x.centeredFloats()
        let pointwise = kh == 1 && kw == 1 && sy == 1 && sx == 1 && oh == h && ow == wd && win.pads.allSatisfy { $0 == 0 }
        // im2col writes every column value (zeros included), so the buffer starts uninitialized.
        let colCount = pointwise ? 0 : try Tensor.elementCount([k, plane], what: "the im2col buffer")
        var cols = [Float](unsafeUninitializedCapacity: colCount) { _, initialized in initialized = colCount }
        let colRange = Self.validColumns(win, inputWidth: wd, outputWidth: ow)
        centered.withUnsafeBufferPointer { xp in
            cols.withUnsafeMutableBufferPointer { cp in
                weightFloats.withUnsafeBufferPointer { wp in
                    for b in 0..<n {
                        for g in 0..<group {
                            let first = xp.baseAddress! + (b * c + g * cg) * h * wd
                            if !pointwise { im2col(first, cg: cg, h: h, wd: wd, win: win, out: out, colRange: colRange, into: cp.baseAddress!) }
                            let (a, bm, offset) = (wp.baseAddress! + g * mg * k, pointwise ? first : UnsafePointer(cp.baseAddress!), (b * m + g * mg) * plane)
                            if let floats {
                                ExactIntGemm.products(m: mg, n: plane, k: k, a: a, b: bm, into: floats + offset)
                            } else if let acc {
                                ExactIntGemm.multiply(m: mg, n: plane, k: k, a: a, transA: false, b: bm, transB: false,
                                                      into: acc + offset, overwrite: true)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fills the [cg·kh·kw × OH·OW] column matrix of one group from its `cg` input planes at `x`.
    private func im2col(_ x: UnsafePointer<Float>, cg: Int, h: Int, wd: Int, win: Window2D, out: [Int],
                        colRange: [(Int, Int)], into cols: UnsafeMutablePointer<Float>) {
        let (kh, kw) = (win.kernel[0], win.kernel[1])
        let (sy, sx, py, px, dy, dx) = (win.strides[0], win.strides[1], win.pads[0], win.pads[1], win.dilations[0], win.dilations[1])
        let (oh, ow) = (out[0], out[1])
        let plane = oh * ow
        for ci in 0..<cg {
            let channel = x + ci * h * wd
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let row = cols + ((ci * kh + ky) * kw + kx) * plane
                    let (first, end) = colRange[kx]
                    let off = kx * dx - px
                    for oy in 0..<oh {
                        let iy = oy * sy - py + ky * dy
                        let dst = row + oy * ow
                        if iy < 0 || iy >= h {
                            dst.update(repeating: 0, count: ow)
                            continue
                        }
                        let src = channel + iy * wd + off
                        for ox in 0..<first { dst[ox] = 0 }
                        if sx == 1 {
                            for ox in first..<end { dst[ox] = src[ox] }
                        } else {
                            for ox in first..<end { dst[ox] = src[ox &* sx] }   // wrapping: no overflow check in the copy
                        }
                        for ox in end..<ow { dst[ox] = 0 }
                    }
                }
            }
        }
    }
}

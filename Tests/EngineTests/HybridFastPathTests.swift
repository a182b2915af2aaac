import Foundation
import XCTest
@testable import Engine

/// The hybrid stage's fast kernels (vectorized requantization, float-exact depthwise and pointwise
/// convolution, table-driven Add, broadcast blocks, branch-free quantization and lookups) against plain
/// per-value references built from the scalar `Requantizer.apply`, on random inputs with fixed seeds plus
/// ties, saturation and out-of-range cases. Every comparison is bit-exact.
final class HybridFastPathTests: XCTestCase {
    let int8P = KernelTestParams.int8In, uint8P = KernelTestParams.uint8In
    let int8Out = KernelTestParams.int8Out, uint8Out = KernelTestParams.uint8Out

    private func batch(_ r: Requantizer, _ x: [Int32], plus: Int32, zp: Int32, lo: Int32, hi: Int32) -> [Int32] {
        var out = [Int32](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                r.apply(xp.baseAddress!, plus: plus, count: x.count, zeroPoint: zp, lo: lo, hi: hi, into: op.baseAddress!)
            }
        }
        return out
    }

    func testBatchRequantizationMatchesScalar() {
        var rng = HybridRandom(seed: 101)
        let edges: [Int32] = [0, 1, -1, 2, -2, 3, -3, Int32.max, Int32.min, Int32.max - 1, Int32.min + 1, 1 << 30, -(1 << 30)]
        for trial in 0..<400 {
            let rounding: IntegerRounding = trial % 2 == 0 ? .halfAwayFromZero : .halfToEven
            let r: Requantizer
            switch trial % 6 {
            case 0: r = Requantizer(multiplier: 1 << 30, shift: rng.int(1...40), rounding: rounding)   // exact ties
            case 1: r = Requantizer(multiplier: Int32(rng.int((1 << 30)...Int(Int32.max))), shift: rng.int(-3...70), rounding: rounding)
            case 2: r = Requantizer(multiplier: Int32(rng.int(Int(Int32.min)...Int(Int32.max))), shift: rng.int(1...62), rounding: rounding)
            default: r = Requantizer(factor: Double(rng.float(0, 2)) * pow(10, Double(rng.int(-7...3))), rounding: rounding)
            }
            var x = (0..<300).map { _ in Int32(rng.int(-(1 << 20)...(1 << 20))) }
            x += (0..<50).map { _ in Int32(rng.int(Int(Int32.min)...Int(Int32.max))) }
            x += edges
            let plus = [0, Int32(rng.int(-1000...1000)), Int32.max, Int32.min][trial % 4]
            // Zero points and clamps, including ones far enough out that the fast path must step aside.
            let (zp, lo, hi): (Int32, Int32, Int32) = [(0, -127, 127), (90, 0, 255), (90, 90, 255), (-128, -128, 127),
                                                       (Int32.min + 5, Int32.min, Int32.max), (Int32.max - 2, -10, 10),
                                                       (7, 40, 3)][trial % 7]
            let want = x.map { r.apply($0 &+ plus, zeroPoint: zp, lo: lo, hi: hi) }
            XCTAssertEqual(batch(r, x, plus: plus, zp: zp, lo: lo, hi: hi), want, "multiplier \(r.multiplier) shift \(r.shift) \(rounding)")
        }
    }

    func testAppliedRequantizesCenteredLevels() {
        let r = Requantizer(factor: 0.37)
        let levels: [Int32] = Array(0...255)
        XCTAssertEqual(r.applied(to: levels, minus: 117, zeroPoint: 3, lo: -127, hi: 127),
                       levels.map { r.apply($0 - 117, zeroPoint: 3, lo: -127, hi: 127) })
        XCTAssertEqual(r.applied(to: [], minus: 1, zeroPoint: 0, lo: 0, hi: 1), [])
    }

    func testQuantizeMatchesScalarDefinition() throws {
        var rng = HybridRandom(seed: 102)
        let special: [Float] = [0, -0.0, .nan, .infinity, -.infinity, 1e30, -1e30, .greatestFiniteMagnitude,
                                .leastNonzeroMagnitude, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5]
        let wide = QuantParams(scale: 0.5, zeroPoint: 3, qmin: -10_000_000, qmax: 10_000_000)
        for p in [int8P, uint8P, wide, QuantParams(scale: 1, zeroPoint: 0, qmin: -128, qmax: 127)] {
            let values = rng.floats(500, -4, 4) + special + special.map { $0 * p.scale }
            let q = try QTensor.quantize(Tensor(shape: [values.count], floats: values), p)
            let want = values.map { v -> Int32 in
                let f = (v / p.scale).rounded(.toNearestOrEven) + Float(p.zeroPoint)
                return f.isNaN ? p.zeroPoint : Int32(min(max(f, Float(p.qmin)), Float(p.qmax)))
            }
            XCTAssertEqual(q.levels, want, "\(p)")
            XCTAssertEqual(try q.dequantized().floats(), q.levels.map { Float($0 - p.zeroPoint) * p.scale })
        }
    }

    func testExactFloatToIntegerAccumulation() {
        var values: [Float] = [0, -0.0, 1, -1, 16_777_215, -16_777_215, 16_777_216, -16_777_216, 255 * 127, -255 * 127]
        var rng = HybridRandom(seed: 103)
        values += (0..<200).map { _ in Float(rng.int(-(1 << 24)...(1 << 24))) }
        var acc = (0..<values.count).map { Int32($0 * 1000 - 7) }
        let want = zip(acc, values).map { $0 &+ Int32($1) }
        values.withUnsafeBufferPointer { vp in
            acc.withUnsafeMutableBufferPointer { ap in ExactIntGemm.addIntegers(vp.baseAddress!, into: ap.baseAddress!, count: vp.count) }
        }
        XCTAssertEqual(acc, want)
    }

    /// Σ (x - z_x) · w_q + b_q per output in Int64, then the scalar per-channel requantizer.
    private func naiveConv(_ x: QTensor, _ layer: IntegerLayer, weightShape ws: [Int], group: Int, strides: [Int],
                           pads: [Int], dilations: [Int], out: QuantParams, clamp: OutputClamp) -> [Int32] {
        let requant = layer.requantizers(inputScale: x.params.scale, outputScale: out.scale, rounding: .halfAwayFromZero)
        let (sums, perChannel) = naiveConvSums(x, weightShape: ws, weight: { Int64(layer.weights[$0]) }, group: group,
                                               strides: strides, pads: pads, dilations: dilations)
        return sums.enumerated().map { i, acc in
            let oc = (i / perChannel) % ws[0]
            return requant[oc].apply(Int32(truncatingIfNeeded: acc) &+ layer.bias[oc], zeroPoint: out.zeroPoint,
                                     lo: clamp.lo, hi: clamp.hi)
        }
    }

    func testPointwiseAndDepthwiseConvolutionsMatchNaive() throws {
        var rng = HybridRandom(seed: 104)
        // (input, weight, group, strides, pads, dilations)
        let cases: [([Int], [Int], Int, [Int], [Int], [Int])] = [
            ([2, 5, 6, 7], [4, 5, 1, 1], 1, [1, 1], [0, 0, 0, 0], [1, 1]),      // pointwise: no im2col
            ([1, 6, 5, 5], [4, 3, 1, 1], 2, [1, 1], [0, 0, 0, 0], [1, 1]),      // grouped pointwise
            ([1, 5, 7, 9], [3, 5, 1, 1], 1, [2, 2], [0, 0, 0, 0], [1, 1]),      // strided 1×1: im2col
            ([1, 4, 6, 6], [3, 4, 1, 1], 1, [1, 1], [1, 0, 0, 1], [1, 1]),      // padded 1×1: im2col
            ([2, 4, 9, 11], [4, 1, 3, 3], 4, [2, 2], [1, 1, 1, 1], [1, 1]),     // depthwise stride 2
            ([1, 3, 10, 13], [3, 1, 5, 5], 3, [2, 3], [2, 1, 2, 3], [1, 1]),    // stride 3 columns, uneven pads
            ([1, 3, 12, 12], [3, 1, 3, 3], 3, [2, 2], [2, 2, 2, 2], [2, 3]),    // strided and dilated
            ([1, 2, 4, 4], [2, 1, 3, 3], 2, [1, 1], [5, 5, 5, 5], [1, 1]),      // padding larger than the input
            ([1, 2, 3, 17], [2, 1, 1, 7], 2, [1, 4], [0, 3, 0, 3], [1, 1]),     // wide window, stride 4
            ([1, 2, 14, 14], [2, 1, 12, 12], 2, [1, 1], [0, 0, 0, 0], [1, 1]),  // 144 taps: still float-exact
            ([1, 2, 19, 18], [2, 1, 17, 17], 2, [1, 1], [1, 0, 1, 0], [1, 1]),  // 289 taps: integer depthwise
            ([1, 3, 5, 150], [3, 1, 3, 3], 3, [1, 1], [1, 1, 1, 1], [1, 1]),    // depthwise rows of 150: wide groups
            ([1, 2, 5, 201], [2, 1, 3, 3], 2, [2, 2], [1, 1, 1, 1], [1, 1]),    // and 101 outputs at stride 2
            ([1, 3, 13, 37], [5, 3, 3, 3], 1, [2, 2], [1, 1, 1, 1], [1, 1]),    // a first layer: DirectConv2D
            ([1, 8, 9, 11], [6, 8, 3, 3], 1, [1, 1], [2, 2, 2, 2], [2, 2]),     // dilated 3×3: DirectConv2D
            ([1, 12, 8, 9], [6, 6, 3, 3], 2, [1, 1], [1, 1, 1, 1], [1, 1]),     // grouped 3×3: DirectConv2D
            ([1, 56, 6, 7], [4, 56, 3, 3], 1, [1, 1], [1, 1, 1, 1], [1, 1]),    // 504 taps, near the exact-chunk bound
        ]
        for (idx, (xs, ws, group, strides, pads, dil)) in cases.enumerated() {
            for (inP, outP) in [(int8P, int8Out), (uint8P, uint8Out)] {
                for extreme in [false, true] {
                    let w = rng.tensor(ws), b = rng.tensor([ws[0]], -0.5, 0.5)
                    var x = rng.levels(xs, inP)
                    if extreme { x.levels = x.levels.indices.map { $0 % 3 == 0 ? inP.qmin : inP.qmax } }
                    let node = Node(name: "c", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"],
                                    attributes: ["group": .int(group), "strides": .ints(strides), "pads": .ints(pads),
                                                 "dilations": .ints(dil)])
                    let ctx = KernelContext(node: node, opset: 17, constants: [1: w, 2: b], inputParams: [0: inP],
                                            outputParams: [outP], fused: .relu, layer: nil, rounding: .halfAwayFromZero)
                    let got = try ConvKernel(ctx).run([.quant(x), nil, nil], wantPreActivation: false).outputs[0]
                    let layer = try IntegerLayer(weight: w, axis: 0, bias: b, inputScale: inP.scale, layer: nil)
                    let want = naiveConv(x, layer, weightShape: ws, group: group, strides: strides, pads: pads, dilations: dil,
                                         out: outP, clamp: ctx.clamp())
                    XCTAssertEqual(got.levels, want, "case \(idx) \(inP) extreme \(extreme)")
                }
            }
        }
    }

    /// Add and Mul per value through broadcast index maps and the scalar requantizers.
    static func naiveBinary(_ isAdd: Bool, _ a: QTensor, _ b: QTensor, out: QuantParams) throws -> [Int32] {
        let shape = try ShapeMath.broadcast([a.shape, b.shape])
        let ia = ShapeMath.broadcastIndices(from: a.shape, to: shape), ib = ShapeMath.broadcastIndices(from: b.shape, to: shape)
        let (za, zb) = (a.params.zeroPoint, b.params.zeroPoint)
        let (sa, sb, so) = (Double(a.params.scale), Double(b.params.scale), Double(out.scale))
        return ia.indices.map { i in
            let (x, y) = (a.levels[ia[i]] - za, b.levels[ib[i]] - zb)
            if isAdd {
                let common = 2 * max(sa, sb), shift = BinaryKernel.leftShift
                let sum = Requantizer(factor: sa / common).scale(x << shift) &+ Requantizer(factor: sb / common).scale(y << shift)
                return Requantizer(factor: common / (Double(1 << shift) * so)).apply(sum, zeroPoint: out.zeroPoint, lo: out.qmin, hi: out.qmax)
            }
            return Requantizer(factor: sa * sb / so).apply(x * y, zeroPoint: out.zeroPoint, lo: out.qmin, hi: out.qmax)
        }
    }

    func testAddAndMulBroadcastPatternsMatchNaive() throws {
        var rng = HybridRandom(seed: 105)
        let shapes: [([Int], [Int])] = [
            ([1, 4, 5, 6], [1, 4, 5, 6]),   // same shape
            ([1, 4, 5, 6], []),             // scalar
            ([1, 4, 5, 6], [1, 4, 1, 1]),   // per channel
            ([1, 4, 1, 1], [2, 4, 5, 6]),   // per channel on the left, batch of 2
            ([2, 4, 5, 6], [5, 6]),         // trailing plane: index maps
            ([3, 1, 5], [1, 4, 1]),         // both broadcast: index maps
            ([1, 3, 40, 30], []),           // scalar over long blocks: one table per block
            ([1, 3, 1, 1], [2, 3, 30, 40]), // per-channel on the left over long blocks
            ([2, 3, 30, 40], [3, 1, 1]),    // per-channel on the right over long blocks
        ]
        for (sa, sb) in shapes {
            for isAdd in [true, false] {
                for (pa, pb, po) in [(int8P, uint8P, int8Out), (uint8P, uint8P, uint8Out), (int8P, int8P, uint8Out)] {
                    let a = rng.levels(sa, pa), b = rng.levels(sb, pb)
                    let node = Node(name: "e", opType: isAdd ? "Add" : "Mul", inputs: ["a", "b"], outputs: ["y"])
                    let ctx = KernelContext(node: node, opset: 17, constants: [:], inputParams: [0: pa, 1: pb],
                                            outputParams: [po], fused: nil, layer: nil, rounding: .halfAwayFromZero)
                    let want = try Self.naiveBinary(isAdd, a, b, out: po)
                    // With the pre-activation (per-value terms) and without it (per-block tables where they pay).
                    for pre in [true, false] {
                        let got = try BinaryKernel(ctx).run([.quant(a), .quant(b)], wantPreActivation: pre)
                        XCTAssertEqual(got.outputs[0].levels, want, "\(sa) \(sb) add \(isAdd) pre \(pre)")
                        XCTAssertEqual(got.outputs[0].shape, try ShapeMath.broadcast([sa, sb]))
                    }
                }
            }
        }
        // Levels outside 16 bits of span fall back from the table to per-value rescaling.
        let wideP = QuantParams(scale: 0.001, zeroPoint: 0, qmin: -200_000, qmax: 200_000)
        let a = QTensor(shape: [4], levels: [-200_000, 0, 5, 200_000], params: wideP), b = rng.levels([4], int8P)
        let node = Node(name: "e", opType: "Add", inputs: ["a", "b"], outputs: ["y"])
        let ctx = KernelContext(node: node, opset: 17, constants: [:], inputParams: [0: wideP, 1: int8P],
                                outputParams: [int8Out], fused: nil, layer: nil, rounding: .halfAwayFromZero)
        XCTAssertEqual(try BinaryKernel(ctx).run([.quant(a), .quant(b)], wantPreActivation: false).outputs[0].levels,
                       try Self.naiveBinary(true, a, b, out: int8Out))
    }

    func testLookupTableAndMaxPoolMatchNaive() throws {
        var rng = HybridRandom(seed: 106)
        let node = Node(name: "s", opType: "Sigmoid", inputs: ["x"], outputs: ["y"])
        let ctx = KernelContext(node: node, opset: 17, constants: [:], inputParams: [0: uint8P], outputParams: [int8Out],
                                fused: nil, layer: nil, rounding: .halfAwayFromZero)
        let lut = try LookupTableKernel(ctx) { 1 / (1 + exp(-$0)) }
        let x = rng.levels([1, 3, 7, 5], uint8P)
        XCTAssertEqual(try lut.run([.quant(x)], wantPreActivation: false).outputs[0].levels, x.levels.map { lut.table[Int($0)] })
        let bad = QTensor(shape: [2], levels: [3, 256], params: uint8P)
        XCTAssertThrowsError(try lut.run([.quant(bad)], wantPreActivation: false))

        // MaxPool with padding, strides, dilations, ceil mode; windows entirely in padding give the zero point.
        // Rows of 41 and 40 reach the eight-wide stride-2 path, and its scalar tail.
        for (k, s, p, d, ceil, h, w) in [([3, 3], [2, 2], [1, 1, 1, 1], [1, 1], false, 6, 7),
                                         ([2, 3], [1, 2], [0, 1, 1, 0], [2, 1], true, 6, 7),
                                         ([2, 2], [3, 3], [2, 2, 2, 2], [1, 1], true, 6, 7),
                                         ([3, 3], [2, 2], [1, 1, 1, 1], [1, 1], false, 5, 41),
                                         ([3, 2], [2, 2], [0, 0, 1, 1], [1, 2], true, 4, 40)] {
            let x = rng.levels([2, 2, h, w], uint8P)
            let pool = Node(name: "p", opType: "MaxPool", inputs: ["x"], outputs: ["y"],
                            attributes: ["kernel_shape": .ints(k), "strides": .ints(s), "pads": .ints(p), "dilations": .ints(d),
                                         "ceil_mode": .int(ceil ? 1 : 0)])
            let pctx = KernelContext(node: pool, opset: 17, constants: [:], inputParams: [0: uint8P], outputParams: [uint8P],
                                     fused: nil, layer: nil, rounding: .halfAwayFromZero)
            let got = try PoolKernel(pctx).run([.quant(x)], wantPreActivation: false).outputs[0]
            var win = try Window2D(node: pool, kernel: k, ceilMode: ceil)
            let out = try win.outputSize([h, w])
            XCTAssertEqual(got.shape, [2, 2, out[0], out[1]])
            var want: [Int32] = []
            for plane in 0..<4 {
                for oy in 0..<out[0] {
                    for ox in 0..<out[1] {
                        var best: Int32?
                        for ky in 0..<k[0] {
                            for kx in 0..<k[1] {
                                let iy = oy * s[0] - p[0] + ky * d[0], ix = ox * s[1] - p[1] + kx * d[1]
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                best = max(best ?? Int32.min, x.levels[plane * h * w + iy * w + ix])
                            }
                        }
                        want.append(best ?? uint8P.zeroPoint)
                    }
                }
            }
            XCTAssertEqual(got.levels, want, "kernel \(k) strides \(s) pads \(p)")
        }
    }
}

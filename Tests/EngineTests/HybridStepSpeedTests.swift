import XCTest
@testable import Engine

/// The hybrid stage's piecewise and tabulated paths against the plain computations they replace, bit for bit,
/// on random inputs with fixed seeds: Add/Mul requantized a piece at a time, and CPU element-wise operators
/// with a scalar constant run through a table over the input's levels.
final class HybridStepSpeedTests: XCTestCase {
    let int8P = KernelTestParams.int8In, uint8P = KernelTestParams.uint8In
    let int8Out = KernelTestParams.int8Out, uint8Out = KernelTestParams.uint8Out
    /// Levels too spread for per-block tables (span above 4096), still tabulated per operand for Add.
    let wideP = QuantParams(scale: 0.0004, zeroPoint: 0, qmin: -3000, qmax: 3000)

    func testPiecewiseAddAndMulMatchNaive() throws {
        var rng = HybridRandom(seed: 201)
        // Outputs longer than one piece (2048 values), blocks shorter and longer than a piece.
        let cases: [([Int], [Int], QuantParams, QuantParams)] = [
            ([1, 5, 30, 41], [1, 5, 30, 41], int8P, uint8P),     // same shape, 6150 values
            ([2, 3, 10, 30], [1, 3, 1, 1], uint8P, int8P),       // per-channel blocks of 300 (< 2 × span: no tables)
            ([1, 3, 1, 1], [1, 3, 10, 30], int8P, uint8P),       // the same on the left
            ([1, 2, 50, 50], [1, 2, 1, 1], wideP, int8P),        // blocks of 2500 crossing pieces
            ([1, 2, 1, 1], [1, 2, 50, 50], int8P, wideP),
            ([1, 4, 1, 1], [1, 4, 1, 1], uint8P, uint8P),        // one value per block
        ]
        for (sa, sb, pa, pb) in cases {
            for isAdd in [true, false] {
                for po in [int8Out, uint8Out] {
                    let a = rng.levels(sa, pa), b = rng.levels(sb, pb)
                    let node = Node(name: "e", opType: isAdd ? "Add" : "Mul", inputs: ["a", "b"], outputs: ["y"])
                    for fused in [nil, IntegerActivation.relu] {
                        let ctx = KernelContext(node: node, opset: 17, constants: [:], inputParams: [0: pa, 1: pb],
                                                outputParams: [po], fused: fused, layer: nil, rounding: .halfAwayFromZero)
                        var want = try HybridFastPathTests.naiveBinary(isAdd, a, b, out: po)
                        let clamp = ctx.clamp()
                        want = want.map { min(max($0, clamp.lo), clamp.hi) }
                        for pre in [false, true] {
                            let got = try BinaryKernel(ctx).run([.quant(a), .quant(b)], wantPreActivation: pre)
                            XCTAssertEqual(got.outputs[0].levels, want, "\(sa) \(sb) add \(isAdd) pre \(pre) fused \(String(describing: fused))")
                        }
                    }
                }
            }
        }
    }

    /// Every supported operator, constant on either side, int8 and uint8 inputs, awkward constants.
    func testTabulatedCPUOpMatchesTheOperator() throws {
        var rng = HybridRandom(seed: 202)
        for op in ["Add", "Sub", "Mul", "Div"] {
            for constant in [Tensor(scalar: 6), Tensor(shape: [1], floats: [-0.37]), Tensor(scalar: 0)] {
                for side in [0, 1] {
                    for p in [int8P, uint8P] {
                        let inputs = side == 0 ? ["c", "x"] : ["x", "c"]
                        let node = Node(name: "n", opType: op, inputs: inputs, outputs: ["y"])
                        guard let tab = TabulatedCPUOp(node, initializers: ["c": constant]) else {
                            XCTFail("\(op) with a scalar constant is not tabulated"); continue
                        }
                        XCTAssertEqual(tab.dataIndex, 1 - side)
                        let operation = try OperatorRegistry.make(BuildContext(node: node, opset: 17, constants: [side: constant]))
                        let x = rng.levels([2, 3, 5, 7], p)
                        var plainInputs: [Tensor?] = [constant, constant]
                        plainInputs[1 - side] = x.dequantized()
                        let plain = try operation.run(plainInputs)[0]
                        guard case .float(let got)? = try tab.run(operation, x, quantized: false) else { XCTFail("no float output"); continue }
                        XCTAssertEqual(got.shape, plain.shape)
                        XCTAssertEqual(try got.floats().map(\.bitPattern), try plain.floats().map(\.bitPattern), "\(op) \(constant.shape) side \(side)")
                        // For integer readers: the levels they would quantize the float output to.
                        var readers = tab
                        readers.consumerParams = uint8Out
                        guard case .quant(let q)? = try readers.run(operation, x, quantized: true) else { XCTFail("no integer output"); continue }
                        XCTAssertEqual(q.levels, try QTensor.quantize(plain, uint8Out).levels)
                        XCTAssertEqual(q.params, uint8Out)
                        XCTAssertEqual(q.shape, plain.shape)
                    }
                }
            }
        }
        // Not tabulated: a constant of several values, two data inputs, another operator.
        let c3 = Tensor(shape: [3], floats: [1, 2, 3])
        XCTAssertNil(TabulatedCPUOp(Node(name: "n", opType: "Div", inputs: ["x", "c"], outputs: ["y"]), initializers: ["c": c3]))
        XCTAssertNil(TabulatedCPUOp(Node(name: "n", opType: "Div", inputs: ["x", "z"], outputs: ["y"]), initializers: [:]))
        XCTAssertNil(TabulatedCPUOp(Node(name: "n", opType: "Pow", inputs: ["x", "c"], outputs: ["y"]), initializers: ["c": Tensor(scalar: 2)]))
        // Levels outside the parameters' range fall back to the plain computation.
        let node = Node(name: "n", opType: "Div", inputs: ["x", "c"], outputs: ["y"])
        let tab = try XCTUnwrap(TabulatedCPUOp(node, initializers: ["c": Tensor(scalar: 6)]))
        let operation = try OperatorRegistry.make(BuildContext(node: node, opset: 17, constants: [1: Tensor(scalar: 6)]))
        XCTAssertNil(try tab.run(operation, QTensor(shape: [2], levels: [3, 300], params: uint8P), quantized: false))
    }

    /// A Div on the CPU between two accelerator layers (as in a decomposed HardSwish): the run without an
    /// observer hands the second layer integer levels directly, and must give the same bytes as the run with
    /// one, whose Div output is the float operator applied to the first layer's dequantized output. When a CPU
    /// node reads the Div's output as well, it must still get the float values.
    func testCPUDivBetweenAcceleratorLayersIsExact() throws {
        var rng = HybridRandom(seed: 203)
        let inits: [String: Tensor] = [
            "w1": rng.tensor([6, 3, 3, 3], -0.4, 0.4), "b1": rng.tensor([6], -0.1, 0.1),
            "w2": rng.tensor([4, 6, 1, 1], -0.4, 0.4), "b2": rng.tensor([4], -0.1, 0.1),
            "six": Tensor(scalar: 6),
        ]
        for alsoCPU in [false, true] {
            var nodes = [
                Node(name: "c1", opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attributes: ["pads": .ints([1, 1, 1, 1])]),
                Node(name: "r1", opType: "Relu", inputs: ["c1"], outputs: ["a1"]),
                Node(name: "d", opType: "Div", inputs: ["a1", "six"], outputs: ["a2"]),
                Node(name: "c2", opType: "Conv", inputs: ["a2", "w2", "b2"], outputs: ["c2"]),
                Node(name: "r2", opType: "Relu", inputs: ["c2"], outputs: ["a3"]),
                Node(name: "fl", opType: "Flatten", inputs: ["a3"], outputs: ["y"]),
            ]
            if alsoCPU { nodes.append(Node(name: "fl2", opType: "Flatten", inputs: ["a2"], outputs: ["y2"])) }
            let model = hybridModel(nodes, inputs: [("x", [1, 3, 12, 12])], outputs: alsoCPU ? ["y", "y2"] : ["y"], initializers: inits)
            for scheme in QuantScheme.allCases {
                let stage = try HybridStageTests.quantize(model, inputShape: [1, 3, 12, 12], scheme: scheme)
                let partition = try HybridStage.partition(floatModel: model, quantized: stage)
                XCTAssertEqual(partition.placement["d"], .cpu)
                XCTAssertEqual(partition.placement["c1"], .accelerator, partition.reasons["c1"] ?? "")
                XCTAssertEqual(partition.placement["c2"], .accelerator, partition.reasons["c2"] ?? "")
                let hybrid = try HybridStage(floatModel: model, quantized: stage, partition: partition)
                let feeds = ["x": rng.tensor([1, 3, 12, 12])]
                let seen = HybridRecorder()
                let observed = try hybrid.run(feeds, observer: seen)
                let plain = try hybrid.run(feeds)
                for name in model.graph.outputs.map(\.name) {
                    XCTAssertEqual(try plain[name]!.floats().map(\.bitPattern), try observed[name]!.floats().map(\.bitPattern), "\(scheme) \(name)")
                }
                let a1 = try seen.tensors["a1"]!.floats(), a2 = try seen.tensors["a2"]!.floats()
                XCTAssertEqual(a2.map(\.bitPattern), a1.map { ($0 / 6).bitPattern })
                if alsoCPU { XCTAssertEqual(try plain["y2"]!.floats().map(\.bitPattern), a2.map(\.bitPattern)) }
            }
        }
    }

    /// The overwriting product (sgemm into the accumulator's own memory, converted in place) against an Int64
    /// reference, over one and several reduction chunks, with garbage in the accumulator beforehand.
    func testOverwritingExactGemmMatchesNaive() {
        var rng = HybridRandom(seed: 204)
        for (m, n, k) in [(3, 5, 1), (4, 7, 300), (2, 9, 512), (3, 4, 513), (5, 3, 1200), (2, 3, 0)] {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = (0..<(m * k)).map { _ in Float(rng.int(-255...255)) }
                let b = (0..<(k * n)).map { _ in Float(rng.int(-127...127)) }
                var want = [Int32](repeating: 0, count: m * n)
                for i in 0..<m {
                    for j in 0..<n {
                        var sum: Int64 = 0
                        for t in 0..<k {
                            let av = transA ? a[t * m + i] : a[i * k + t], bv = transB ? b[j * k + t] : b[t * n + j]
                            sum += Int64(av) * Int64(bv)
                        }
                        want[i * n + j] = Int32(sum)
                    }
                }
                var acc = (0..<(m * n)).map { Int32($0 * 7919 - 12345) }
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        acc.withUnsafeMutableBufferPointer { cp in
                            ExactIntGemm.multiply(m: m, n: n, k: k, a: ap.baseAddress ?? UnsafePointer(bitPattern: 8)!, transA: transA,
                                                  b: bp.baseAddress ?? UnsafePointer(bitPattern: 8)!, transB: transB,
                                                  into: cp.baseAddress!, overwrite: true)
                        }
                    }
                }
                XCTAssertEqual(acc, want, "m \(m) n \(n) k \(k) transA \(transA) transB \(transB)")
            }
        }
    }

    /// The depthwise layer requantized channel by channel as it is computed (no pre-activation wanted) against
    /// the whole-tensor requantization (pre-activation wanted), and both against the plain per-value reference.
    func testDepthwiseRequantizedPerChannelMatchesWholeTensor() throws {
        var rng = HybridRandom(seed: 205)
        // (input, kernel, strides, pads, dilations)
        let cases: [([Int], [Int], [Int], [Int], [Int])] = [
            ([2, 4, 9, 37], [3, 3], [1, 1], [1, 1, 1, 1], [1, 1]),     // rows longer than 32 outputs
            ([1, 3, 20, 70], [3, 3], [2, 2], [1, 1, 1, 1], [1, 1]),    // stride 2: rows read in pairs
            ([1, 2, 11, 45], [5, 5], [2, 2], [2, 2, 2, 2], [1, 1]),
            ([1, 2, 8, 19], [3, 3], [3, 3], [0, 2, 1, 0], [2, 1]),     // stride 3, dilated, uneven pads
            ([1, 2, 6, 8], [1, 1], [1, 1], [0, 0, 0, 0], [1, 1]),      // one tap, exactly 8 columns
        ]
        for (xs, k, strides, pads, dil) in cases {
            for (inP, outP) in [(int8P, int8Out), (uint8P, uint8Out)] {
                let ws = [xs[1], 1] + k
                let w = rng.tensor(ws), b = rng.tensor([ws[0]], -0.5, 0.5)
                let x = rng.levels(xs, inP)
                let node = Node(name: "c", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"],
                                attributes: ["group": .int(xs[1]), "strides": .ints(strides), "pads": .ints(pads),
                                             "dilations": .ints(dil), "kernel_shape": .ints(k)])
                let ctx = KernelContext(node: node, opset: 17, constants: [1: w, 2: b], inputParams: [0: inP],
                                        outputParams: [outP], fused: .relu, layer: nil, rounding: .halfAwayFromZero)
                let kernel = try ConvKernel(ctx)
                let perChannel = try kernel.run([.quant(x), nil, nil], wantPreActivation: false).outputs[0]
                let whole = try kernel.run([.quant(x), nil, nil], wantPreActivation: true).outputs[0]
                XCTAssertEqual(perChannel.levels, whole.levels, "\(xs) \(k) \(strides)")
                XCTAssertEqual(perChannel.shape, whole.shape)
                let layer = try IntegerLayer(weight: w, axis: 0, bias: b, inputScale: inP.scale, layer: nil)
                XCTAssertEqual(perChannel.levels, naiveDepthwise(x, layer, kernel: k, strides: strides, pads: pads, dilations: dil,
                                                                 out: outP, clamp: ctx.clamp()), "\(xs) \(k) \(strides)")
            }
        }
    }

    /// Σ (x - z_x) · w_q per output in Int64, plus the bias, through the scalar per-channel requantizer.
    private func naiveDepthwise(_ x: QTensor, _ layer: IntegerLayer, kernel k: [Int], strides: [Int], pads: [Int],
                                dilations: [Int], out: QuantParams, clamp: OutputClamp) -> [Int32] {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h + pads[0] + pads[2] - ((k[0] - 1) * dilations[0] + 1)) / strides[0] + 1
        let ow = (wd + pads[1] + pads[3] - ((k[1] - 1) * dilations[1] + 1)) / strides[1] + 1
        let requant = layer.requantizers(inputScale: x.params.scale, outputScale: out.scale, rounding: .halfAwayFromZero)
        var result: [Int32] = []
        for bi in 0..<n {
            for ch in 0..<c {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var acc: Int64 = 0
                        for ky in 0..<k[0] {
                            for kx in 0..<k[1] {
                                let iy = oy * strides[0] - pads[0] + ky * dilations[0], ix = ox * strides[1] - pads[1] + kx * dilations[1]
                                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                acc += Int64(x.levels[((bi * c + ch) * h + iy) * wd + ix] - x.params.zeroPoint)
                                    * Int64(layer.weights[(ch * k[0] + ky) * k[1] + kx])
                            }
                        }
                        result.append(requant[ch].apply(Int32(acc) &+ layer.bias[ch], zeroPoint: out.zeroPoint, lo: clamp.lo, hi: clamp.hi))
                    }
                }
            }
        }
        return result
    }

    /// Convolutions through sgemm: the requantization reading sgemm's floats (one exact chunk, no
    /// pre-activation) against the int32 accumulator path (pre-activation wanted), for reductions of one chunk
    /// and of several (which always take the int32 path), grouped, strided and padded.
    func testGemmConvolutionFromFloatsMatchesIntegerPath() throws {
        var rng = HybridRandom(seed: 206)
        // (input, weight, group, strides, pads)
        let cases: [([Int], [Int], Int, [Int], [Int])] = [
            ([2, 6, 7, 9], [5, 6, 1, 1], 1, [1, 1], [0, 0, 0, 0]),       // pointwise
            ([1, 8, 9, 8], [6, 4, 3, 3], 2, [2, 2], [1, 1, 1, 1]),       // grouped 3×3, stride 2
            ([1, 56, 6, 7], [4, 56, 3, 3], 1, [1, 1], [1, 0, 1, 0]),     // k = 504: one chunk
            ([1, 60, 6, 7], [4, 60, 3, 3], 1, [1, 1], [1, 1, 1, 1]),     // k = 540: two chunks
        ]
        for (xs, ws, group, strides, pads) in cases {
            for (inP, outP) in [(int8P, int8Out), (uint8P, uint8Out)] {
                let w = rng.tensor(ws), b = rng.tensor([ws[0]], -0.5, 0.5)
                var x = rng.levels(xs, inP)
                // Extreme levels make the largest partial sums the chunk bound allows.
                if xs[1] > 50 { x.levels = x.levels.indices.map { $0 % 2 == 0 ? inP.qmax : inP.qmin } }
                let node = Node(name: "c", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"],
                                attributes: ["group": .int(group), "strides": .ints(strides), "pads": .ints(pads)])
                let ctx = KernelContext(node: node, opset: 17, constants: [1: w, 2: b], inputParams: [0: inP],
                                        outputParams: [outP], fused: nil, layer: nil, rounding: .halfToEven)
                let kernel = try ConvKernel(ctx)
                let fromFloats = try kernel.run([.quant(x), nil, nil], wantPreActivation: false).outputs[0]
                let fromIntegers = try kernel.run([.quant(x), nil, nil], wantPreActivation: true).outputs[0]
                XCTAssertEqual(fromFloats.levels, fromIntegers.levels, "\(xs) \(ws)")
                XCTAssertEqual(fromFloats.shape, fromIntegers.shape)
            }
        }
        // The float-input requantization against the int32 one on the same integers, both rounding modes.
        let values: [Int32] = (0..<3000).map { _ in Int32(rng.int(-(1 << 24)...(1 << 24))) } + [0, 1, -1, 1 << 24, -(1 << 24)]
        let floats = values.map { Float($0) }
        for rounding in [IntegerRounding.halfAwayFromZero, .halfToEven] {
            for factor in [0.000123, 0.0371, 1.7] {
                let r = Requantizer(factor: factor, rounding: rounding)
                var want = [Int32](repeating: 0, count: values.count), got = want
                values.withUnsafeBufferPointer { vp in
                    want.withUnsafeMutableBufferPointer { r.apply(vp.baseAddress!, plus: 5, count: vp.count, zeroPoint: 3, lo: -120, hi: 127, into: $0.baseAddress!) }
                }
                floats.withUnsafeBufferPointer { fp in
                    got.withUnsafeMutableBufferPointer { r.apply(floats: fp.baseAddress!, plus: 5, count: fp.count, zeroPoint: 3, lo: -120, hi: 127, into: $0.baseAddress!) }
                }
                XCTAssertEqual(got, want, "factor \(factor) \(rounding)")
            }
        }
    }
}

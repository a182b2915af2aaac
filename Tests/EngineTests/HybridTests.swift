import Foundation
import XCTest
@testable import Engine

final class HybridKernelTests: XCTestCase {
    let int8In = KernelTestParams.int8In, uint8In = KernelTestParams.uint8In
    let int8Out = KernelTestParams.int8Out, uint8Out = KernelTestParams.uint8Out

    private func context(_ node: Node, constants: [Int: Tensor], input: QuantParams, output: QuantParams,
                         fused: IntegerActivation? = nil, rounding: IntegerRounding = .halfAwayFromZero) -> KernelContext {
        KernelContext(node: node, opset: 17, constants: constants, inputParams: [0: input], outputParams: [output],
                      fused: fused, layer: nil, rounding: rounding)
    }

    /// The naive integer convolution: Σ (q_x - z_x) · q_w + q_b per output, then the per-channel requantizer.
    private func naiveConv(_ x: QTensor, _ w: Tensor, _ b: Tensor?, group: Int, strides: [Int], pads: [Int],
                           dilations: [Int], out: QuantParams, clamp: OutputClamp, rounding: IntegerRounding) throws -> [Int32] {
        let qw = try WeightQuantizer.perChannelSymmetric(w, axis: 0)
        let m = w.shape[0]
        let bias = try b?.floats() ?? Array(repeating: 0, count: m)
        let (sums, perChannel) = naiveConvSums(x, weightShape: w.shape, weight: { Int64(qw.values[$0]) }, group: group,
                                               strides: strides, pads: pads, dilations: dilations)
        return sums.enumerated().map { i, acc in
            let oc = (i / perChannel) % m
            let qb = Int32((bias[oc] / (x.params.scale * qw.scales[oc])).rounded(.toNearestOrEven))
            let r = Requantizer(factor: Double(x.params.scale) * Double(qw.scales[oc]) / Double(out.scale), rounding: rounding)
            return r.apply(Int32(acc) + qb, zeroPoint: out.zeroPoint, lo: clamp.lo, hi: clamp.hi)
        }
    }

    func testConvMatchesNaiveIntegerReference() throws {
        var rng = HybridRandom(seed: 21)
        // (input shape, weight shape, group, strides, pads, dilations)
        let cases: [([Int], [Int], Int, [Int], [Int], [Int])] = [
            ([1, 3, 9, 9], [5, 3, 3, 3], 1, [1, 1], [1, 1, 1, 1], [1, 1]),
            ([2, 4, 10, 7], [6, 2, 3, 2], 2, [2, 1], [0, 1, 2, 0], [1, 1]),
            ([1, 6, 11, 11], [6, 1, 3, 3], 6, [1, 1], [2, 2, 2, 2], [2, 2]),      // depthwise, dilated
            ([1, 3, 8, 8], [6, 1, 5, 5], 3, [2, 2], [2, 2, 2, 2], [1, 1]),        // depthwise multiplier 2
            ([1, 72, 6, 6], [4, 72, 3, 3], 1, [1, 1], [1, 1, 1, 1], [1, 1]),      // K = 648: two sgemm chunks
            ([1, 2, 7, 7], [3, 2, 7, 7], 1, [4, 4], [3, 3, 3, 3], [1, 1]),
        ]
        for (idx, (xs, ws, group, strides, pads, dil)) in cases.enumerated() {
            for (inP, outP) in [(int8In, int8Out), (uint8In, uint8Out)] {
                for fused in [nil, IntegerActivation.relu, .clip(min: 0, max: 6)] as [IntegerActivation?] {
                    let w = rng.tensor(ws), b = rng.tensor([ws[0]], -0.5, 0.5)
                    // Extreme levels stress the exact accumulation.
                    var x = rng.levels(xs, inP)
                    if idx == 4 { x.levels = x.levels.map { $0 % 2 == 0 ? inP.qmax : inP.qmin } }
                    let node = Node(name: "c", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["y"],
                                    attributes: ["group": .int(group), "strides": .ints(strides), "pads": .ints(pads),
                                                 "dilations": .ints(dil)])
                    let ctx = context(node, constants: [1: w, 2: b], input: inP, output: outP, fused: fused)
                    let got = try ConvKernel(ctx).run([.quant(x), nil, nil], wantPreActivation: true)
                    let want = try naiveConv(x, w, b, group: group, strides: strides, pads: pads, dilations: dil,
                                             out: outP, clamp: ctx.clamp(), rounding: .halfAwayFromZero)
                    XCTAssertEqual(got.outputs[0].levels, want, "case \(idx) \(inP) fused \(String(describing: fused))")
                    XCTAssertNotNil(got.preActivation)
                }
            }
        }
    }

    func testSameUpperAutoPad() throws {
        var rng = HybridRandom(seed: 22)
        let w = rng.tensor([2, 2, 3, 3])
        let x = rng.levels([1, 2, 5, 5], int8In)
        let node = Node(name: "c", opType: "Conv", inputs: ["x", "w"], outputs: ["y"],
                        attributes: ["auto_pad": .string("SAME_UPPER"), "strides": .ints([2, 2])])
        let ctx = context(node, constants: [1: w], input: int8In, output: int8Out)
        let got = try ConvKernel(ctx).run([.quant(x), nil], wantPreActivation: false).outputs[0]
        XCTAssertEqual(got.shape, [1, 2, 3, 3])
        let want = try naiveConv(x, w, nil, group: 1, strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1],
                                 out: int8Out, clamp: OutputClamp(int8Out), rounding: .halfAwayFromZero)
        XCTAssertEqual(got.levels, want)
    }

    func testGemmAndMatMulMatchNaiveIntegerReference() throws {
        var rng = HybridRandom(seed: 23)
        for (transB, k) in [(false, 20), (true, 700)] {
            let n = 9, rows = 3
            let w = rng.tensor(transB ? [n, k] : [k, n]), b = rng.tensor([n])
            let a = rng.levels([rows, k], uint8In)
            let node = Node(name: "g", opType: "Gemm", inputs: ["a", "w", "b"], outputs: ["y"], attributes: ["transB": .int(transB ? 1 : 0)])
            let ctx = context(node, constants: [1: w, 2: b], input: uint8In, output: uint8Out, fused: .relu)
            guard let kernel = try MatMulKernel(ctx) else { return XCTFail("no integer Gemm") }
            let got = try kernel.run([.quant(a), nil, nil], wantPreActivation: false).outputs[0]
            let qw = try WeightQuantizer.perChannelSymmetric(w, axis: transB ? 0 : 1)
            let clamp = ctx.clamp()
            var want: [Int32] = []
            for r in 0..<rows {
                for j in 0..<n {
                    var acc: Int64 = 0
                    for kk in 0..<k {
                        acc += Int64(a.levels[r * k + kk] - uint8In.zeroPoint) * Int64(qw.values[transB ? j * k + kk : kk * n + j])
                    }
                    let qb = Int32((try b.floats()[j] / (uint8In.scale * qw.scales[j])).rounded(.toNearestOrEven))
                    let rq = Requantizer(factor: Double(uint8In.scale) * Double(qw.scales[j]) / Double(uint8Out.scale))
                    want.append(rq.apply(Int32(acc) + qb, zeroPoint: uint8Out.zeroPoint, lo: clamp.lo, hi: clamp.hi))
                }
            }
            XCTAssertEqual(got.levels, want, "transB \(transB)")
            XCTAssertEqual(got.shape, [rows, n])
        }
        // MatMul with a batch of rows: same arithmetic, leading dimensions kept.
        let w = rng.tensor([5, 4])
        let a = rng.levels([2, 3, 5], int8In)
        let mm = Node(name: "m", opType: "MatMul", inputs: ["a", "w"], outputs: ["y"])
        let got = try MatMulKernel(context(mm, constants: [1: w], input: int8In, output: int8Out))!
            .run([.quant(a), nil], wantPreActivation: false).outputs[0]
        XCTAssertEqual(got.shape, [2, 3, 4])
        let real = try got.dequantized().floats(), xa = try a.dequantized().floats(), wf = try w.floats()
        for r in 0..<6 {
            for j in 0..<4 {
                let f = (0..<5).reduce(Float(0)) { $0 + xa[r * 5 + $1] * wf[$1 * 4 + j] }
                XCTAssertEqual(real[r * 4 + j], f, accuracy: int8Out.scale * 1.5)
            }
        }
    }

    func testLookupTablesWithinOneStepOfFloat() throws {
        let fns: [(String, [String: AttributeValue], (Double) -> Double)] = [
            ("Sigmoid", [:], { 1 / (1 + exp(-$0)) }),
            ("Tanh", [:], { tanh($0) }),
            ("HardSigmoid", ["alpha": .float(0.25)], { max(0, min(1, 0.25 * $0 + 0.5)) }),
            ("HardSwish", [:], { $0 * max(0, min(1, $0 / 6 + 0.5)) }),
            ("Exp", [:], { exp($0) }),
            ("LeakyRelu", ["alpha": .float(0.1)], { $0 >= 0 ? $0 : 0.1 * $0 }),
        ]
        let inP = QuantParams(scale: 4.0 / 127, zeroPoint: 0, qmin: -127, qmax: 127)
        for (op, attrs, f) in fns {
            let node = Node(name: "n", opType: op, inputs: ["x"], outputs: ["y"], attributes: attrs)
            let outRange = op == "Exp" ? CalibrationRange(min: 0, max: Float(exp(4.0))) : CalibrationRange(min: -4, max: 4)
            for scheme in QuantScheme.allCases {
                let outP = try QuantParams(range: outRange, scheme: scheme)
                let kernel = try HybridOps.kernel(context(node, constants: [:], input: inP, output: outP))
                XCTAssertTrue(kernel is LookupTableKernel, op)
                let x = QTensor(shape: [255], levels: Array(-127...127), params: inP)
                let y = try kernel.run([.quant(x)], wantPreActivation: false).outputs[0]
                XCTAssertEqual((kernel as? LookupTableKernel)?.table.count, 255)
                let real = try y.dequantized().floats()
                for (i, q) in x.levels.enumerated() {
                    let want = f(Double(inP.dequantize(q)))
                    let lo = Double(outP.dequantize(outP.qmin)), hi = Double(outP.dequantize(outP.qmax))
                    XCTAssertEqual(Double(real[i]), min(max(want, lo), hi), accuracy: Double(outP.scale), "\(op) level \(q)")
                }
            }
        }
    }

    func testAddMulConcatWithinOneStepOfFloat() throws {
        var rng = HybridRandom(seed: 24)
        let pa = QuantParams(scale: 0.03, zeroPoint: 0, qmin: -127, qmax: 127)
        let pb = QuantParams(scale: 0.011, zeroPoint: 140, qmin: 0, qmax: 255)
        let a = rng.levels([2, 3, 4], pa), b = rng.levels([3, 1], pb)
        for op in ["Add", "Mul"] {
            let outP = try QuantParams(range: CalibrationRange(min: -5, max: 5), scheme: .uint8Asymmetric)
            let node = Node(name: "n", opType: op, inputs: ["a", "b"], outputs: ["y"])
            let ctx = KernelContext(node: node, opset: 17, constants: [:], inputParams: [0: pa, 1: pb], outputParams: [outP],
                                    fused: nil, layer: nil, rounding: .halfAwayFromZero)
            let y = try BinaryKernel(ctx).run([.quant(a), .quant(b)], wantPreActivation: false).outputs[0]
            XCTAssertEqual(y.shape, [2, 3, 4])
            let ra = try a.dequantized().floats(), rb = try b.dequantized().floats(), ry = try y.dequantized().floats()
            let ib = ShapeMath.broadcastIndices(from: [3, 1], to: [2, 3, 4])
            for i in 0..<24 {
                let want = op == "Add" ? ra[i] + rb[ib[i]] : ra[i] * rb[ib[i]]
                XCTAssertEqual(ry[i], want, accuracy: outP.scale * 1.01, "\(op) \(i)")
            }
        }
        // Add with a constant operand quantized on its own scale.
        let node = Node(name: "n", opType: "Add", inputs: ["a", "c"], outputs: ["y"])
        let c = rng.tensor([4])
        let ctx = KernelContext(node: node, opset: 17, constants: [1: c], inputParams: [0: pa], outputParams: [int8Out],
                                fused: .relu, layer: nil, rounding: .halfAwayFromZero)
        let y = try BinaryKernel(ctx).run([.quant(a), .float(c)], wantPreActivation: false).outputs[0]
        let ra = try a.dequantized().floats(), rc = try c.floats(), ry = try y.dequantized().floats()
        for i in 0..<24 { XCTAssertEqual(ry[i], max(ra[i] + rc[i % 4], 0), accuracy: int8Out.scale * 1.01) }

        let cat = Node(name: "k", opType: "Concat", inputs: ["a", "b"], outputs: ["y"], attributes: ["axis": .int(1)])
        let a2 = rng.levels([3, 2], pa)
        let cctx = KernelContext(node: cat, opset: 17, constants: [:], inputParams: [0: pa, 1: pb], outputParams: [pa],
                                 fused: nil, layer: nil, rounding: .halfAwayFromZero)
        let cy = try ConcatKernel(cctx).run([.quant(a2), .quant(b)], wantPreActivation: false).outputs[0]
        XCTAssertEqual(cy.shape, [3, 3])
        XCTAssertEqual([cy.levels[0], cy.levels[1], cy.levels[3], cy.levels[4]], [a2.levels[0], a2.levels[1], a2.levels[2], a2.levels[3]])
        XCTAssertEqual(cy.levels[2], pa.quantize(pb.dequantize(b.levels[0])))
    }

    func testConcatPlacesLongAndShortBlocks() throws {
        // Blocks of 20 (copied whole) and 5 (element by element), over six outer rows, with matching parameters.
        var rng = HybridRandom(seed: 25)
        let pa = QuantParams(scale: 0.03, zeroPoint: 0, qmin: -127, qmax: 127)
        let a = rng.levels([2, 3, 20], pa), b = rng.levels([2, 3, 5], pa)
        let cat = Node(name: "k", opType: "Concat", inputs: ["a", "b"], outputs: ["y"], attributes: ["axis": .int(2)])
        let ctx = KernelContext(node: cat, opset: 17, constants: [:], inputParams: [0: pa, 1: pa], outputParams: [pa],
                                fused: nil, layer: nil, rounding: .halfAwayFromZero)
        let y = try ConcatKernel(ctx).run([.quant(a), .quant(b)], wantPreActivation: false).outputs[0]
        XCTAssertEqual(y.shape, [2, 3, 25])
        var expected: [Int32] = []
        for row in 0..<6 {
            expected.append(contentsOf: a.levels[(row * 20)..<(row * 20 + 20)])
            expected.append(contentsOf: b.levels[(row * 5)..<(row * 5 + 5)])
        }
        XCTAssertEqual(y.levels, expected)
    }

    func testResizeNearestCopiesLevels() throws {
        var rng = HybridRandom(seed: 26)
        let x = rng.levels([1, 2, 3, 3], uint8In)
        let node = Node(name: "r", opType: "Resize", inputs: ["x", "", "s"], outputs: ["y"], attributes: ["mode": .string("nearest")])
        let scales = Tensor(shape: [4], floats: [1, 1, 2, 2])
        let kernel = try HybridOps.kernel(context(node, constants: [2: scales], input: uint8In, output: uint8In))
        XCTAssertTrue(kernel is GatherKernel)
        let y = try kernel.run([.quant(x), nil, .float(scales)], wantPreActivation: false).outputs[0]
        XCTAssertEqual(y.shape, [1, 2, 6, 6])
        for c in 0..<2 {
            for oy in 0..<6 {
                for ox in 0..<6 { XCTAssertEqual(y.levels[(c * 6 + oy) * 6 + ox], x.levels[(c * 3 + oy / 2) * 3 + ox / 2]) }
            }
        }
    }

    func testPoolsMatchFloatWithinOneStep() throws {
        var rng = HybridRandom(seed: 25)
        let x = rng.levels([1, 2, 7, 7], uint8In)
        let real = try x.dequantized().floats()
        for (op, attrs) in [("MaxPool", ["kernel_shape": AttributeValue.ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
                            ("AveragePool", ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])]),
                            ("AveragePool", ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2]), "pads": .ints([0, 0, 1, 1]),
                                             "count_include_pad": .int(1), "ceil_mode": .int(1)])] {
            let node = Node(name: "p", opType: op, inputs: ["x"], outputs: ["y"], attributes: attrs)
            let y = try PoolKernel(context(node, constants: [:], input: uint8In, output: uint8In))
                .run([.quant(x)], wantPreActivation: false).outputs[0]
            let k = try node.ints("kernel_shape")!, s = try node.ints("strides")!, pads = try node.ints("pads")!
            let include = try node.int("count_include_pad", default: 0) == 1
            XCTAssertEqual(y.shape, [1, 2, 4, 4])
            let got = try y.dequantized().floats()
            for c in 0..<2 {
                for oy in 0..<4 {
                    for ox in 0..<4 {
                        var vals: [Float] = [], padded = 0
                        for ky in 0..<k[0] {
                            for kx in 0..<k[1] {
                                let iy = oy * s[0] - pads[0] + ky, ix = ox * s[1] - pads[1] + kx
                                if iy >= 0, iy < 7, ix >= 0, ix < 7 { vals.append(real[(c * 7 + iy) * 7 + ix]) }
                                else if iy < 7 + pads[2], ix < 7 + pads[3] { padded += 1 }
                            }
                        }
                        let want = op == "MaxPool" ? vals.max()! : vals.reduce(0, +) / Float(vals.count + (include ? padded : 0))
                        XCTAssertEqual(got[(c * 4 + oy) * 4 + ox], want, accuracy: uint8In.scale * 0.51, "\(op) \(c) \(oy) \(ox)")
                    }
                }
            }
        }
        let gap = Node(name: "g", opType: "GlobalAveragePool", inputs: ["x"], outputs: ["y"])
        let g = try GlobalPoolKernel(context(gap, constants: [:], input: uint8In, output: uint8In))
            .run([.quant(x)], wantPreActivation: false).outputs[0]
        XCTAssertEqual(g.shape, [1, 2, 1, 1])
        for c in 0..<2 {
            let mean = real[(c * 49)..<((c + 1) * 49)].reduce(0, +) / 49
            XCTAssertEqual(try g.dequantized().floats()[c], mean, accuracy: uint8In.scale * 0.51)
        }
    }
}

/// Collects every reported tensor by name.
final class HybridRecorder: ExecutionObserver {
    var tensors: [String: Tensor] = [:]
    var order: [String] = []
    func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {
        tensors[name] = tensor
        order.append(name)
    }
}

final class HybridStageTests: XCTestCase {
    /// A small CNN touching every accelerator kernel and a few CPU operators.
    static func smallCNN() -> Model {
        var rng = HybridRandom(seed: 31)
        func w(_ s: [Int], _ scale: Float) -> Tensor { rng.tensor(s, -scale, scale) }
        let inits: [String: Tensor] = [
            "w1": w([8, 3, 3, 3], 0.4), "b1": w([8], 0.1),
            "w2": w([8, 1, 3, 3], 0.5), "b2": w([8], 0.1),
            "w3": w([8, 8, 1, 1], 0.4), "b3": w([8], 0.1),
            "wf": w([10, 16], 0.4), "bf": w([10], 0.1),
            "scales": Tensor(shape: [4], floats: [1, 1, 2, 2]),
            "six": Tensor(scalar: 6), "zero": Tensor(scalar: 0),
        ]
        let nodes = [
            Node(name: "c1", opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "r1", opType: "Relu", inputs: ["c1"], outputs: ["a1"]),
            Node(name: "c2", opType: "Conv", inputs: ["a1", "w2", "b2"], outputs: ["c2"],
                 attributes: ["pads": .ints([1, 1, 1, 1]), "group": .int(8)]),
            Node(name: "clip", opType: "Clip", inputs: ["c2", "zero", "six"], outputs: ["a2"]),
            Node(name: "add", opType: "Add", inputs: ["a1", "a2"], outputs: ["a3"]),
            Node(name: "mp", opType: "MaxPool", inputs: ["a3"], outputs: ["a4"],
                 attributes: ["kernel_shape": .ints([2, 2]), "strides": .ints([2, 2])]),
            Node(name: "c3", opType: "Conv", inputs: ["a4", "w3", "b3"], outputs: ["c3"]),
            Node(name: "sg", opType: "Sigmoid", inputs: ["c3"], outputs: ["a5"]),
            Node(name: "mul", opType: "Mul", inputs: ["a4", "a5"], outputs: ["a6"]),
            Node(name: "up", opType: "Resize", inputs: ["a6", "", "scales"], outputs: ["a7"], attributes: ["mode": .string("nearest")]),
            Node(name: "cat", opType: "Concat", inputs: ["a7", "a1"], outputs: ["a8"], attributes: ["axis": .int(1)]),
            Node(name: "gap", opType: "GlobalAveragePool", inputs: ["a8"], outputs: ["a9"]),
            Node(name: "fl", opType: "Flatten", inputs: ["a9"], outputs: ["a10"]),
            Node(name: "fc", opType: "Gemm", inputs: ["a10", "wf", "bf"], outputs: ["logits"], attributes: ["transB": .int(1)]),
            Node(name: "sm", opType: "Softmax", inputs: ["logits"], outputs: ["probs"]),
        ]
        return hybridModel(nodes, inputs: [("x", [1, 3, 16, 16])], outputs: ["probs", "logits"], initializers: inits)
    }

    /// Calibrates on a few random inputs and builds the quantized stage.
    static func quantize(_ model: Model, inputShape: [Int], scheme: QuantScheme = .int8Symmetric,
                         samples: Int = 4, gaussian: Bool = false) throws -> QuantizedStage {
        var rng = HybridRandom(seed: 41)
        let name = model.graph.inputs[0].name
        let feeds = (0..<samples).map { _ in [name: gaussian ? rng.gaussian(inputShape) : rng.tensor(inputShape)] }
        let collector = try calibrationStatistics(model, samples: feeds)
        var config = QuantizationConfig()
        config.activationScheme = scheme
        return try QuantizedStage(floatModel: model, statistics: collector, config: config)
    }

    func testSmallCNNAgreesWithTheQuantizedStage() throws {
        let model = Self.smallCNN()
        for scheme in QuantScheme.allCases {
            let stage = try Self.quantize(model, inputShape: [1, 3, 16, 16], scheme: scheme)
            let partition = try HybridStage.partition(floatModel: model, quantized: stage)
            XCTAssertEqual(partition.reasons["fl"], "operator Flatten is not supported by target 'generic-npu'")
            XCTAssertEqual(partition.reasons["sm"], "operator Softmax is not supported by target 'generic-npu'")
            // The classifier sits between two CPU nodes (Flatten, Softmax).
            XCTAssertEqual(partition.reasons["fc"], "isolated between CPU nodes")
            for n in ["c1", "r1", "c2", "clip", "add", "mp", "c3", "sg", "mul", "up", "cat", "gap"] {
                XCTAssertEqual(partition.placement[n], .accelerator, "\(n): \(partition.reasons[n] ?? "")")
            }
            let hybrid = try HybridStage(floatModel: model, quantized: stage, partition: partition)
            var rng = HybridRandom(seed: 99)
            let feeds = ["x": rng.tensor([1, 3, 16, 16])]
            let hybridSeen = HybridRecorder(), quantSeen = HybridRecorder(), floatSeen = HybridRecorder()
            let h = try hybrid.run(feeds, observer: hybridSeen)
            let q = try stage.run(feeds, observer: quantSeen)
            _ = try Executor(model: model).run(feeds, observer: floatSeen)
            // Every tensor of the float run is reported, by name, in the same order.
            XCTAssertEqual(hybridSeen.order, floatSeen.order)
            for name in ["logits", "probs", "a8", "a3"] {
                let c = try hybridCosine(hybridSeen.tensors[name]!, quantSeen.tensors[name]!)
                print("hybrid vs quantized \(scheme.rawValue) \(name): cosine \(c)")
                XCTAssertGreaterThanOrEqual(c, 0.99, "\(scheme) \(name)")
            }
            XCTAssertGreaterThanOrEqual(try hybridCosine(h["logits"]!, q["logits"]!), 0.99)
            // The first layer sees identical inputs, weights and biases in both stages: the integer
            // requantization lands on the fake-quant level or (on near-ties) one level off.
            let a1 = try hybridSeen.tensors["a1"]!.floats(), qa1 = try quantSeen.tensors["a1"]!.floats()
            let step = stage.activationParams["a1"]!.scale
            var off = 0
            for i in a1.indices {
                XCTAssertLessThanOrEqual(abs(a1[i] - qa1[i]), step * 1.001, "a1[\(i)]")
                if abs(a1[i] - qa1[i]) > step / 2 { off += 1 }
            }
            XCTAssertLessThan(off, a1.count / 100, "more than 1% of a1 off by one level")
            // Deterministic: the same bytes twice.
            let again = try hybrid.run(feeds)
            XCTAssertEqual(try again["logits"]!.floats(), try h["logits"]!.floats())
            XCTAssertEqual(try again["probs"]!.floats(), try h["probs"]!.floats())
        }
    }

    func testHalfToEvenTargetAndAllCPUPartition() throws {
        let model = Self.smallCNN()
        let stage = try Self.quantize(model, inputShape: [1, 3, 16, 16])
        var target = TargetDescription.default
        target.rounding = .halfToEven
        let partition = try HybridStage.partition(floatModel: model, quantized: stage, target: target)
        let hybrid = try HybridStage(floatModel: model, quantized: stage, partition: partition, target: target)
        var rng = HybridRandom(seed: 98)
        let feeds = ["x": rng.tensor([1, 3, 16, 16])]
        let q = try stage.run(feeds)
        XCTAssertGreaterThanOrEqual(try hybridCosine(try hybrid.run(feeds)["logits"]!, q["logits"]!), 0.99)
        // With every node on the CPU the hybrid stage is the float model.
        let cpu = Partition(placement: Dictionary(uniqueKeysWithValues: model.graph.nodes.map { ($0.name, Placement.cpu) }),
                            reasons: Dictionary(uniqueKeysWithValues: model.graph.nodes.map { ($0.name, "test") }))
        let allCPU = try HybridStage(floatModel: model, quantized: stage, partition: cpu)
        let f = try Executor(model: model).run(feeds)
        XCTAssertEqual(try allCPU.run(feeds)["logits"]!.floats(), try f["logits"]!.floats())
    }

    func testOpsCoverModel() throws {
        let model = try ModelLoader.load(path: CalibFixtures.path("ops_cover.onnx"))
        // The fixture's input is standard normal: calibrate on the same distribution.
        let stage = try Self.quantize(model, inputShape: [1, 3, 32, 32], samples: 8, gaussian: true)
        let partition = try HybridStage.partition(floatModel: model, quantized: stage)
        XCTAssertFalse(partition.acceleratorNodes.isEmpty)
        for (node, place) in partition.placement where place == .cpu { XCTAssertNotNil(partition.reasons[node], node) }
        let hybrid = try HybridStage(floatModel: model, quantized: stage, partition: partition)
        let input = try TensorProtoCodec.read(path: CalibFixtures.path("ops_cover_input.pb")).tensor
        let feeds = [model.graph.inputs[0].name: input]
        let seen = HybridRecorder()
        let h = try hybrid.run(feeds, observer: seen)
        let quantSeen = HybridRecorder()
        let q = try stage.run(feeds, observer: quantSeen)
        // Every tensor stays close to the fake-quant stage (the difference is the CPU nodes' float arithmetic
        // and the integer kernels' rounding).
        for name in seen.order {
            guard case .float = seen.tensors[name]!.data, let qt = quantSeen.tensors[name] else { continue }
            XCTAssertGreaterThanOrEqual(try hybridCosine(seen.tensors[name]!, qt), 0.99, name)
        }
        let floatSeen = HybridRecorder()
        _ = try Executor(model: model).run(feeds, observer: floatSeen)
        XCTAssertEqual(seen.order, floatSeen.order)
        print("ops_cover: \(partition.acceleratorNodes.count) of \(partition.placement.count) nodes on the accelerator")
        for o in model.graph.outputs.map(\.name) {
            guard case .float = h[o]!.data else { continue }
            let c = try hybridCosine(h[o]!, q[o]!)
            print("ops_cover hybrid vs quantized \(o): cosine \(c)")
            XCTAssertGreaterThanOrEqual(c, 0.99, o)
        }
        let again = try hybrid.run(feeds)
        for o in h.keys { XCTAssertEqual(again[o]!.asFloats(), h[o]!.asFloats(), o) }
    }
}

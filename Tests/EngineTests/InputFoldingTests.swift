import XCTest
@testable import Engine

/// Image inputs fed to the hybrid stage as uint8 pixels with the mean/scale folded into the first Conv.
final class InputFoldingTests: XCTestCase {
    static let mean: [Float] = [150, 100, 60]
    static let scale: [Float] = [0.02, 0.017, 0.019]
    /// round(mean of the means) = round(103.33).
    static let zeroPoint: Int32 = 103
    static let (h, w) = (6, 7)

    /// x -> Conv c1 (3x3, pads 1, bias) -> Relu -> Conv c2 (1x1) -> y. The Relu is fused into c1, so the
    /// observer sees c1's output before requantization (its int32 accumulator in real units).
    static func model() -> Model {
        var rng = HybridRandom(seed: 7)
        let inits: [String: Tensor] = [
            "w1": rng.tensor([4, 3, 3, 3], -0.5, 0.5), "b1": rng.tensor([4], -0.2, 0.2),
            "w2": rng.tensor([2, 4, 1, 1], -0.5, 0.5), "b2": rng.tensor([2], -0.1, 0.1),
        ]
        let nodes = [
            Node(name: "c1", opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "r1", opType: "Relu", inputs: ["c1"], outputs: ["a1"]),
            Node(name: "c2", opType: "Conv", inputs: ["a1", "w2", "b2"], outputs: ["y"]),
        ]
        return hybridModel(nodes, inputs: [("x", [1, 3, h, w])], outputs: ["y"], initializers: inits)
    }

    static func preprocess(rt: InputColorType = .rgb) -> PreprocessConfig {
        PreprocessConfig(inputTypeTrain: .rgb, inputTypeRuntime: rt, normType: .dataMeanAndScale, mean: mean, scale: scale)
    }

    /// Random pixels [1, 3, H, W] in model (rgb) order.
    static func pixels(seed: UInt64) -> [UInt8] {
        var rng = HybridRandom(seed: seed)
        return (0..<(3 * h * w)).map { _ in UInt8(rng.int(0...255)) }
    }

    /// The normalized input the float model sees, as `PreprocessConfig` computes it.
    static func normalized(_ p: [UInt8]) throws -> Tensor {
        try preprocess().normalize(Tensor(shape: [1, 3, h, w], data: .uint8(p)))
    }

    static func stage(_ model: Model, options: HybridInputOptions, floatNodes: Set<String> = [],
                      perChannel: Bool = true) throws -> (QuantizedStage, HybridStage) {
        let collector = try calibrationStatistics(model, samples: (0..<4).map { s in
            ["x": try normalized(pixels(seed: UInt64(100 + s)))]
        })
        var config = QuantizationConfig()
        config.floatNodes = floatNodes
        config.perChannel = perChannel
        let q = try QuantizedStage(floatModel: model, statistics: collector, config: config)
        let partition = try HybridStage.partition(floatModel: model, quantized: q)
        return (q, try HybridStage(floatModel: model, quantized: q, partition: partition, inputs: options))
    }

    func testFoldedFirstLayerIsExactInsideAndShowsThePaddingOffsetAtTheBorder() throws {
        let model = Self.model()
        let (_, hybrid) = try Self.stage(model, options: HybridInputOptions(preprocess: ["x": Self.preprocess()]))
        XCTAssertEqual(hybrid.inputFeeds, [HybridInputFeed(tensor: "x", kind: .pixels(conv: "c1", zeroPoint: Self.zeroPoint))])
        let p = Self.pixels(seed: 5)
        let x = try Self.normalized(p)
        let seen = HybridRecorder()
        _ = try hybrid.run(["x": x], observer: seen)
        // The input is reported in normalized units, recovered exactly from the float feed.
        let reported = try XCTUnwrap(seen.tensors["x"]).floats(), xs = try x.floats()
        for i in xs.indices { XCTAssertEqual(reported[i], xs[i], accuracy: 1e-6) }
        let got = try XCTUnwrap(seen.tensors["c1"]).floats()

        let weight = try model.graph.initializers["w1"]!.floats(), bias = try model.graph.initializers["b1"]!.floats()
        let (m, c, k, h, w) = (4, 3, 3, Self.h, Self.w)
        func wAt(_ o: Int, _ ci: Int, _ ky: Int, _ kx: Int) -> Float { weight[((o * c + ci) * k + ky) * k + kx] }
        func pAt(_ ci: Int, _ y: Int, _ x: Int) -> Int { Int(p[(ci * h + y) * w + x]) }
        // The folded layer as the device stores it: W' = W·k_c quantized per output channel, b' with scale s_w'.
        var folded = [Float](repeating: 0, count: weight.count)
        for i in weight.indices { folded[i] = weight[i] * Self.scale[(i / (k * k)) % c] }
        let fq = try WeightQuantizer.perChannelSymmetric(Tensor(shape: [m, c, k, k], floats: folded), axis: 0)
        let zp = Double(Self.zeroPoint)
        var foldedBias = [Double](repeating: 0, count: m)
        for o in 0..<m {
            var shift = 0.0
            for i in 0..<(c * k * k) {
                let ci = i / (k * k)
                shift += Double(weight[o * c * k * k + i]) * Double(Self.scale[ci]) * (Double(Self.mean[ci]) - zp)
            }
            foldedBias[o] = Double(bias[o]) - shift
        }
        var checkedBorder = 0
        for o in 0..<m {
            let s = fq.scales[o]
            let biasLevel = Int32((Float(foldedBias[o]) / s).rounded(.toNearestOrEven))
            for y in 0..<h {
                for x in 0..<w {
                    var acc = Int64(biasLevel)
                    var reference = Double(bias[o])        // the float layer on the normalized pixels
                    var offset = 0.0                       // predicted: -W·k_c·(m_c - zp) per padded tap
                    var bound = Double(s) / 2 * 1.001      // bias rounding
                    for ci in 0..<c {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let (iy, ix) = (y + ky - 1, x + kx - 1)
                                let wk = Double(wAt(o, ci, ky, kx)) * Double(Self.scale[ci])
                                if iy < 0 || iy >= h || ix < 0 || ix >= w {
                                    offset -= wk * (Double(Self.mean[ci]) - zp)
                                    continue
                                }
                                let pix = pAt(ci, iy, ix)
                                acc += Int64(fq.values[((o * c + ci) * k + ky) * k + kx]) * Int64(pix - Int(Self.zeroPoint))
                                reference += Double(wAt(o, ci, ky, kx)) * Double((Float(pix) - Self.mean[ci]) * Self.scale[ci])
                                // Each weight level is within half a step of W·k_c.
                                bound += Double(s) / 2 * Double(abs(pix - Int(Self.zeroPoint))) * 1.001
                            }
                        }
                    }
                    let value = Double(got[(o * h + y) * w + x])
                    // Bit for bit what the integer kernel computes.
                    XCTAssertEqual(value, Double(Float(acc) * s), accuracy: 1e-6 * max(1, abs(value)), "c1[\(o),\(y),\(x)]")
                    let border = y == 0 || x == 0 || y == h - 1 || x == w - 1
                    if !border {
                        XCTAssertEqual(offset, 0)
                        XCTAssertEqual(value, reference, accuracy: bound, "interior c1[\(o),\(y),\(x)]")
                    } else {
                        // The padding reads the zero-point pixel, not the mean: the offset stays, uncorrected.
                        XCTAssertEqual(value - reference, offset, accuracy: bound, "border c1[\(o),\(y),\(x)]")
                        if abs(offset) > 4 * bound {
                            checkedBorder += 1
                            XCTAssertGreaterThan(abs(value - reference), 3 * bound, "the border offset must be visible")
                        }
                    }
                }
            }
        }
        // The model's means are far from the zero point: many border outputs carry an offset well above the
        // quantization bound (the check above is not vacuous).
        XCTAssertGreaterThan(checkedBorder, 10)
    }

    func testUint8FeedAndChannelSwapGiveTheSameNumbers() throws {
        let model = Self.model()
        let p = Self.pixels(seed: 6)
        let x = try Self.normalized(p)
        let (_, rgb) = try Self.stage(model, options: HybridInputOptions(preprocess: ["x": Self.preprocess()]))
        let fromFloat = HybridRecorder(), fromPixels = HybridRecorder()
        let a = try rgb.run(["x": x], observer: fromFloat)
        let b = try rgb.run(["x": Tensor(shape: [1, 3, Self.h, Self.w], data: .uint8(p))], observer: fromPixels)
        XCTAssertEqual(try a["y"]!.floats(), try b["y"]!.floats())
        XCTAssertEqual(try fromFloat.tensors["c1"]!.floats(), try fromPixels.tensors["c1"]!.floats())

        // The device is fed bgr while the model was trained on rgb: the swap is folded into the weights.
        let (_, bgr) = try Self.stage(model, options: HybridInputOptions(preprocess: ["x": Self.preprocess(rt: .bgr)]))
        XCTAssertEqual(bgr.inputFeeds.first?.foldedInto, "c1")
        let swappedSeen = HybridRecorder()
        let fromNormalized = try bgr.run(["x": x], observer: swappedSeen)
        XCTAssertEqual(try fromNormalized["y"]!.floats(), try a["y"]!.floats())
        XCTAssertEqual(try swappedSeen.tensors["c1"]!.floats(), try fromFloat.tensors["c1"]!.floats())
        // Reported in model (rgb) order, normalized.
        XCTAssertEqual(try swappedSeen.tensors["x"]!.floats(), try fromFloat.tensors["x"]!.floats())
        // Fed bgr pixels directly.
        let plane = Self.h * Self.w
        let bgrPixels = Array(p[(2 * plane)...]) + Array(p[plane..<(2 * plane)]) + Array(p[..<plane])
        let direct = try bgr.run(["x": Tensor(shape: [1, 3, Self.h, Self.w], data: .uint8(bgrPixels))])
        XCTAssertEqual(try direct["y"]!.floats(), try a["y"]!.floats())
    }

    func testPerTensorWeightsFoldToo() throws {
        let (q, hybrid) = try Self.stage(Self.model(), options: HybridInputOptions(preprocess: ["x": Self.preprocess()]),
                                         perChannel: false)
        XCTAssertEqual(hybrid.inputFeeds.first?.foldedInto, "c1")
        let x = try Self.normalized(Self.pixels(seed: 8))
        let seen = HybridRecorder()
        let y = try hybrid.run(["x": x], observer: seen)["y"]!
        // One weight scale for the folded tensor, max|W·k_c| / 127, and input scale 1: every accumulator value
        // (c1 before requantization) is an integer multiple of it.
        let weight = try Self.model().graph.initializers["w1"]!.floats()
        let top = weight.indices.map { abs(weight[$0] * Self.scale[($0 / 9) % 3]) }.max()!
        let s = top / 127
        for v in try seen.tensors["c1"]!.floats() {
            XCTAssertEqual(v / s, (v / s).rounded(), accuracy: 2e-3 * max(1, abs(v / s)))
        }
        // A 6x7 image is one third border, where the padding offset sits: close to, not at, the quantized stage.
        XCTAssertGreaterThan(try hybridCosine(y, try q.run(["x": x])["y"]!), 0.95)
    }

    func testFallbacksRecordTheirReason() throws {
        let model = Self.model()
        let x = try Self.normalized(Self.pixels(seed: 9))
        let (_, plain) = try Self.stage(model, options: HybridInputOptions())
        let plainOut = try plain.run(["x": x])["y"]!.floats()
        func reason(_ stage: HybridStage) -> String? {
            if case .quantizedFloat(let r)? = stage.inputFeeds.first?.kind { return r }
            return nil
        }
        XCTAssertEqual(reason(plain), "not an image input: no image preprocessing applies to it")

        var cases: [(String, HybridInputOptions, Set<String>)] = [
            ("fold_input_norm: false", HybridInputOptions(preprocess: ["x": Self.preprocess()], fold: false), []),
            ("runs on the CPU", HybridInputOptions(preprocess: ["x": Self.preprocess()]), ["c1"]),
            ("no_preprocess", HybridInputOptions(preprocess: ["x": PreprocessConfig(inputTypeTrain: .rgb)]), []),
            ("featuremap", HybridInputOptions(preprocess: ["x": PreprocessConfig(inputTypeTrain: .featuremap)]), []),
        ]
        var yuv = Self.preprocess()
        yuv.inputTypeRuntime = .yuv444
        cases.append(("not a per-channel mean/scale", HybridInputOptions(preprocess: ["x": yuv]), []))
        for (expected, options, cpu) in cases {
            let (_, stage) = try Self.stage(model, options: options, floatNodes: cpu)
            let r = try XCTUnwrap(reason(stage), expected)
            XCTAssertTrue(r.contains(expected), "\(r) should contain \(expected)")
            if cpu.isEmpty {
                // The fallback is today's behaviour: the normalized input quantized with its parameters.
                XCTAssertEqual(try stage.run(["x": x])["y"]!.floats(), plainOut, expected)
            }
        }

        // The input read by two nodes, or first by something other than a Conv.
        var inits = model.graph.initializers
        inits["w0"] = Tensor(shape: [3, 3, 1, 1], floats: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let shared = hybridModel(model.graph.nodes + [Node(name: "c0", opType: "Conv", inputs: ["x", "w0"], outputs: ["z"])],
                                 inputs: [("x", [1, 3, Self.h, Self.w])], outputs: ["y", "z"], initializers: inits)
        let (_, twice) = try Self.stage(shared, options: HybridInputOptions(preprocess: ["x": Self.preprocess()]))
        XCTAssertEqual(reason(twice), "the input feeds 2 nodes; folding needs a single Conv")
        var nodes = model.graph.nodes
        nodes[0].inputs[0] = "xr"
        let reluFirst = hybridModel([Node(name: "r0", opType: "Relu", inputs: ["x"], outputs: ["xr"])] + nodes,
                                    inputs: [("x", [1, 3, Self.h, Self.w])], outputs: ["y"], initializers: model.graph.initializers)
        let (_, relu) = try Self.stage(reluFirst, options: HybridInputOptions(preprocess: ["x": Self.preprocess()]))
        XCTAssertEqual(reason(relu), "the input feeds Relu 'r0', not a Conv")
    }

    func testConfigKey() throws {
        XCTAssertTrue(try ConfigFile.parse("norm_type: data_mean").foldInputNormalization)
        let off = try ConfigFile.parse("input_parameters:\n  fold_input_norm: false\n")
        XCTAssertFalse(off.foldInputNormalization)
        XCTAssertFalse(off.hybridInputs(AnalysisData(calibration: .inMemory([]), evaluation: [], evaluationFiles: [],
                                                     warnings: [], preprocess: [:])).fold)
        XCTAssertThrowsError(try ConfigFile.parse("fold_input_nrm: false")) { error in
            XCTAssertTrue("\(error)".contains("did you mean 'fold_input_norm'"), "\(error)")
        }
        XCTAssertThrowsError(try ConfigFile.parse("fold_input_norm: sometimes"))
    }

    func testFoldArithmetic() throws {
        // One output channel, 1x1 kernel: W' = W·k in run-time order, b' = b - Σ W·k·(m - zp).
        let n = try XCTUnwrap(try? PixelNormalization.make(Self.preprocess(rt: .bgr)).get())
        XCTAssertEqual(n.zeroPoint, 103)
        XCTAssertEqual(n.trainChannel, [2, 1, 0])
        let (w, b) = try n.fold(weight: Tensor(shape: [1, 3, 1, 1], floats: [1, 2, 3]), bias: Tensor(shape: [1], floats: [0.5]), group: 1)
        XCTAssertEqual(try w.floats(), [3 * 0.019, 2 * 0.017, 1 * 0.02])
        let expected = 0.5 - (1 * 0.02 * 47.0 + 2 * 0.017 * -3.0 + 3 * 0.019 * -43.0)
        XCTAssertEqual(Double(try b.floats()[0]), expected, accuracy: 1e-5)
        // A grouped convolution cannot take the swap.
        XCTAssertThrowsError(try n.fold(weight: Tensor(shape: [3, 1, 1, 1], floats: [1, 2, 3]), bias: nil, group: 3))
    }
}

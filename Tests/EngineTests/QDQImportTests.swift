import Foundation
import XCTest
@testable import Engine

/// Importing already quantized QDQ models: our own export read back, ONNX Runtime's quantizer output, the
/// graph forms ORT writes, and the forms qscope refuses.
final class QDQImportTests: XCTestCase {
    // MARK: - Round trip through QDQExporter

    /// Conv + Relu, a 1x1 Conv, a residual Add as the graph output.
    static func smallCNN(seed: UInt64 = 11) -> Model {
        var rng = CalibRNG(seed: seed)
        func t(_ shape: [Int], _ scale: Double) -> Tensor {
            Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float(rng.gaussian() * scale) })
        }
        let nodes = [
            Node(name: "conv1", opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "relu1", opType: "Relu", inputs: ["c1"], outputs: ["r1"]),
            Node(name: "conv2", opType: "Conv", inputs: ["r1", "w2", "b2"], outputs: ["c2"]),
            Node(name: "add", opType: "Add", inputs: ["r1", "c2"], outputs: ["out"]),
        ]
        let inits = ["w1": t([3, 2, 3, 3], 0.4), "b1": t([3], 0.1), "w2": t([3, 3, 1, 1], 0.5), "b2": t([3], 0.1)]
        let graph = Graph(name: "small", nodes: nodes, initializers: inits,
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: [.fixed(1), .fixed(2), .fixed(5), .fixed(5)])],
                          outputs: [ValueInfo(name: "out", elementType: 1, dims: nil)])
        return Model(graph: graph, opsets: ["": 17])
    }

    static func samples(_ n: Int, seed: UInt64 = 5) -> [[String: Tensor]] {
        var rng = CalibRNG(seed: seed)
        return (0..<n).map { _ in ["x": Tensor(shape: [1, 2, 5, 5], floats: (0..<50).map { _ in Float(rng.gaussian()) })] }
    }

    /// A stage calibrated with max on `samples`, its QDQ export, and the import of that export.
    func roundTrip(scheme: QuantScheme, perChannel: Bool) throws
        -> (float: Model, stage: QuantizedStage, qdq: Model, imported: ImportedQuantization) {
        let model = Self.smallCNN()
        let collector = try calibrationStatistics(model, samples: Self.samples(4))
        var config = QuantizationConfig()
        config.activationScheme = scheme
        config.perChannel = perChannel
        let stage = try QuantizedStage(floatModel: model, statistics: collector, config: config)
        let qdq = try QDQExporter.export(stage, floatModel: model)
        // Through the file format, as a user's model arrives.
        let reloaded = try ModelLoader.convert(ModelWriter.proto(qdq), path: "", baseDirectory: nil)
        XCTAssertTrue(QDQImporter.isQDQ(reloaded))
        XCTAssertFalse(QDQImporter.isQDQ(model))
        return (model, stage, reloaded, try QDQImporter.recover(reloaded))
    }

    func checkRoundTrip(scheme: QuantScheme, perChannel: Bool) throws {
        let (model, stage, _, imported) = try roundTrip(scheme: scheme, perChannel: perChannel)
        let recovered = imported.floatModel
        // Same nodes, op types and tensor names as the float model the stage was built from.
        XCTAssertEqual(recovered.graph.nodes.map(\.name), model.graph.nodes.map(\.name))
        XCTAssertEqual(recovered.graph.nodes.map(\.opType), model.graph.nodes.map(\.opType))
        XCTAssertEqual(recovered.graph.nodes.map(\.inputs), model.graph.nodes.map(\.inputs))
        XCTAssertEqual(recovered.graph.nodes.map(\.outputs), model.graph.nodes.map(\.outputs))
        XCTAssertEqual(Set(recovered.graph.initializers.keys), Set(model.graph.initializers.keys))
        XCTAssertEqual(recovered.graph.outputs.map(\.name), ["out"])
        // Weights and biases are the stage's fake-quantized values, bit for bit.
        for (name, w) in stage.model.graph.initializers {
            XCTAssertEqual(try recovered.graph.initializers[name]?.floats(), try w.floats(), name)
        }
        // The quantization points and their parameters are the exported ones.
        XCTAssertEqual(imported.points.tensors, stage.points.tensors)
        XCTAssertEqual(imported.points.fusedInto, stage.points.fusedInto)
        XCTAssertEqual(imported.activationScheme, scheme)
        XCTAssertEqual(imported.perChannel, perChannel)
        for t in stage.points.tensors {
            guard let p = stage.activationParams[t], let q = imported.activationParams[t] else {
                XCTFail("no parameters for \(t)"); continue
            }
            XCTAssertEqual(q.scale, p.scale, t)
            XCTAssertEqual(q.zeroPoint, p.zeroPoint, t)
            let r = try XCTUnwrap(imported.activationRanges[t])
            XCTAssertEqual(r.min, Float(q.qmin - q.zeroPoint) * q.scale, t)
            XCTAssertEqual(r.max, Float(q.qmax - q.zeroPoint) * q.scale, t)
        }
        for layer in stage.weights {
            XCTAssertEqual(imported.weightScales[layer.weight]?.scales, layer.scales, layer.weight)
            XCTAssertEqual(imported.weightScales[layer.weight]?.axis, layer.axis, layer.weight)
        }
        // The imported stage computes what the original stage computes. On the calibration samples: beyond the
        // calibrated range the int8 pair in the file saturates at -128 (as ONNX Runtime runs it) where the
        // symmetric stage stops at -127.
        let again = try imported.makeStage()
        XCTAssertEqual(again.weights, stage.weights)
        for s in Self.samples(4) {
            let a = try XCTUnwrap(try stage.run(s)["out"]?.floats())
            let b = try XCTUnwrap(try again.run(s)["out"]?.floats())
            XCTAssertEqual(a.count, b.count)
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        }
        // The recovered float model runs.
        XCTAssertNotNil(try Executor(model: recovered).run(Self.samples(1)[0])["out"])
    }

    func testRoundTripInt8SymmetricPerChannel() throws { try checkRoundTrip(scheme: .int8Symmetric, perChannel: true) }
    func testRoundTripUInt8AsymmetricPerChannel() throws { try checkRoundTrip(scheme: .uint8Asymmetric, perChannel: true) }
    func testRoundTripInt8SymmetricPerTensor() throws { try checkRoundTrip(scheme: .int8Symmetric, perChannel: false) }

    /// Re-quantizing on-grid weights with abs-max gives the same integers, and scales at most one float step
    /// away (127 * s rounded, then divided by 127, need not give s back): which is why the stage takes the
    /// imported scales as given instead.
    func testRequantizingImportedWeightsPerChannel() throws {
        let (_, stage, _, imported) = try roundTrip(scheme: .int8Symmetric, perChannel: true)
        for layer in stage.weights {
            let w = try XCTUnwrap(imported.floatModel.graph.initializers[layer.weight])
            let again = try WeightQuantizer.perChannelSymmetric(w, axis: 0)
            for (a, b) in zip(again.scales, layer.scales) {
                XCTAssertLessThanOrEqual(abs(a - b), b.ulp, layer.weight)
            }
            let values = try w.floats()
            let inner = values.count / layer.scales.count
            for (i, q) in again.values.enumerated() {
                XCTAssertEqual(Float(q), (values[i] / layer.scales[i / inner]).rounded(), layer.weight)
            }
        }
    }

    // MARK: - ONNX Runtime's quantizer

    func testOnnxRuntimeQuantizedModel() throws {
        let dir = CalibFixtures.path("ort_qdq")
        let model = try ModelLoader.load(path: dir + "/model.onnx")
        XCTAssertTrue(QDQImporter.isQDQ(model))
        let imported = try QDQImporter.recover(model)
        let g = imported.floatModel.graph
        XCTAssertFalse(g.nodes.contains { $0.opType == "QuantizeLinear" || $0.opType == "DequantizeLinear" })
        // ORT folds each Relu into the Q/DQ pair after its Conv (zero point at -128: the pair clips at zero).
        // The importer puts the Relus back, so the float model is the original one.
        XCTAssertEqual(g.nodes.map(\.opType), ["Conv", "Relu", "Conv", "Relu", "Add", "GlobalAveragePool", "Flatten", "Gemm"])
        XCTAssertEqual(g.nodes.map(\.outputs), [["relu1_before_relu"], ["relu1"], ["relu2_before_relu"], ["relu2"],
                                                ["residual"], ["pooled"], ["flat"], ["logits"]])
        XCTAssertEqual(imported.restoredRelus, ["relu1", "relu2"])
        XCTAssertEqual(g.nodes[4].inputs, ["relu1", "relu2"])
        XCTAssertEqual(g.nodes[0].inputs[0], "input")
        XCTAssertEqual(imported.points.tensors, ["input", "relu1", "relu2", "residual", "pooled", "flat", "logits"])
        // int8 with zero points: the uint8-asymmetric grid shifted by 128.
        XCTAssertEqual(imported.activationScheme, .uint8Asymmetric)
        XCTAssertTrue(imported.perChannel)
        XCTAssertEqual(imported.activationRanges["relu1"]?.min, 0)
        XCTAssertEqual(imported.activationParams["relu1"], QuantParams(scale: 0.021010298, zeroPoint: -128, qmin: -128, qmax: 127))
        XCTAssertTrue(imported.config.floatNodes.isEmpty)
        // Only float weights and biases are left; the integer data, scales and zero points are gone.
        for (name, t) in g.initializers { XCTAssertEqual(t.dtype, .float, name) }
        XCTAssertEqual(g.initializers.count, 6)
        XCTAssertEqual(imported.weightScales.count, 3)

        let (_, input) = try TensorProtoCodec.read(path: dir + "/input_0.pb")
        let reference = try TensorProtoCodec.read(path: dir + "/output_0.pb").tensor.floats()
        let float = try XCTUnwrap(try Executor(model: imported.floatModel).run(["input": input])["logits"]?.floats())
        XCTAssertEqual(float.count, reference.count)
        // The recovered float model is the original (ONNX Runtime's quantized output is within 0.99997 of it).
        XCTAssertGreaterThan(Self.cosine(float, reference), 0.999, "recovered float \(float) vs quantized \(reference)")
        let stage = try imported.makeStage()
        // The stage keeps the model's integer weights exactly.
        for (name, t) in stage.model.graph.initializers where imported.weightScales[name] != nil {
            XCTAssertEqual(try t.floats(), try g.initializers[name]?.floats(), name)
        }
        let out = try XCTUnwrap(try stage.run(["input": input])["logits"]?.floats())
        let cos = Self.cosine(out, reference)
        XCTAssertGreaterThanOrEqual(cos, 0.999, "stage \(out) vs onnxruntime \(reference)")
        print("QDQ import: stage vs onnxruntime cosine \(cos), max abs diff \(zip(out, reference).map { abs($0 - $1) }.max() ?? 0)")
        XCTAssertEqual(out.count, reference.count)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x * x); nb += Double(y * y) }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }

    // MARK: - Graph forms (no execution)

    static let f32 = 1
    static func scalar(_ v: Float) -> Tensor { Tensor(scalar: v) }
    static func int8(_ v: Int8) -> Tensor { Tensor(shape: [], data: .int8([v])) }

    /// x -> Q -> DQ -> Relu -> y, with `extra` nodes and initializers appended.
    static func qdqModel(_ nodes: [Node], _ inits: [String: Tensor], outputs: [String] = ["y"]) -> Model {
        Model(graph: Graph(name: "g", nodes: nodes, initializers: inits,
                           inputs: [ValueInfo(name: "x", elementType: f32, dims: [.fixed(4)])],
                           outputs: outputs.map { ValueInfo(name: $0, elementType: f32, dims: nil) }),
              opsets: ["": 13])
    }

    func testOrtNamesOneQuantizeManyDequantizeAndOmittedZeroPoint() throws {
        let nodes = [
            Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "x_scale"], outputs: ["x_QuantizeLinear_Output"]),
            Node(name: "dq_a", opType: "DequantizeLinear", inputs: ["x_QuantizeLinear_Output", "x_scale"], outputs: ["x_DequantizeLinear_Output"]),
            Node(name: "dq_b", opType: "DequantizeLinear", inputs: ["x_QuantizeLinear_Output", "x_scale"], outputs: ["x_DequantizeLinear_Output_1"]),
            Node(name: "relu", opType: "Relu", inputs: ["x_DequantizeLinear_Output"], outputs: ["r"]),
            Node(name: "add", opType: "Add", inputs: ["r", "x_DequantizeLinear_Output_1"], outputs: ["y"]),
        ]
        let imported = try QDQImporter.recover(Self.qdqModel(nodes, ["x_scale": Self.scalar(0.5)]))
        let g = imported.floatModel.graph
        XCTAssertEqual(g.nodes.map(\.name), ["relu", "add"])
        XCTAssertEqual(g.nodes[0].inputs, ["x"])
        XCTAssertEqual(g.nodes[1].inputs, ["r", "x"])
        XCTAssertTrue(g.initializers.isEmpty)
        // No zero point: uint8 with zero point 0.
        XCTAssertEqual(imported.activationParams["x"], QuantParams(scale: 0.5, zeroPoint: 0, qmin: 0, qmax: 255))
        XCTAssertEqual(imported.activationRanges["x"], CalibrationRange(min: 0, max: 127.5))
        XCTAssertEqual(imported.activationScheme, .uint8Asymmetric)
        XCTAssertEqual(imported.points.tensors, ["x"])
    }

    func testChainedPairsAndGraphOutputPairs() throws {
        // x -> Q/DQ -> Q/DQ -> Relu (writes r_in) -> Q/DQ -> y ; and the input itself straight to an output.
        let nodes = [
            Node(name: "q1", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["q1o"]),
            Node(name: "dq1", opType: "DequantizeLinear", inputs: ["q1o", "s", "z"], outputs: ["d1"]),
            Node(name: "q2", opType: "QuantizeLinear", inputs: ["d1", "s", "z"], outputs: ["q2o"]),
            Node(name: "dq2", opType: "DequantizeLinear", inputs: ["q2o", "s", "z"], outputs: ["d2"]),
            Node(name: "relu", opType: "Relu", inputs: ["d2"], outputs: ["r_in"]),
            Node(name: "q3", opType: "QuantizeLinear", inputs: ["r_in", "s3", "z"], outputs: ["q3o"]),
            Node(name: "dq3", opType: "DequantizeLinear", inputs: ["q3o", "s3", "z"], outputs: ["y"]),
            Node(name: "dq4", opType: "DequantizeLinear", inputs: ["q1o", "s", "z"], outputs: ["x_copy"]),
        ]
        let inits = ["s": Self.scalar(0.25), "s3": Self.scalar(0.125), "z": Self.int8(0)]
        let imported = try QDQImporter.recover(Self.qdqModel(nodes, inits, outputs: ["y", "x_copy"]))
        let g = imported.floatModel.graph
        XCTAssertEqual(g.nodes.map(\.opType), ["Relu", "Identity"])
        XCTAssertEqual(g.nodes[0].inputs, ["x"])
        XCTAssertEqual(g.nodes[0].outputs, ["y"])   // the graph output keeps its name
        XCTAssertEqual(g.nodes[1].inputs, ["x"])
        XCTAssertEqual(g.nodes[1].outputs, ["x_copy"])
        XCTAssertEqual(imported.points.tensors, ["x", "y"])
        XCTAssertEqual(imported.activationParams["y"], QuantParams(scale: 0.125, zeroPoint: 0, qmin: -128, qmax: 127))
        XCTAssertEqual(imported.activationRanges["y"], CalibrationRange(min: -16, max: 15.875))
        XCTAssertEqual(imported.activationScheme, .int8Symmetric)
        XCTAssertTrue(g.initializers.isEmpty)
    }

    func testConstantDequantizeFoldsPerAxisAndPerTensor() throws {
        // MatMul weight [2, 3] with per-axis scales on axis 1; a standalone uint8 constant with a zero point.
        let nodes = [
            Node(name: "dqw", opType: "DequantizeLinear", inputs: ["w_q", "w_s", "w_z"], outputs: ["w"], attributes: ["axis": .int(1)]),
            Node(name: "dqc", opType: "DequantizeLinear", inputs: ["c_q", "c_s", "c_z"], outputs: ["c"]),
            Node(name: "mm", opType: "MatMul", inputs: ["x2", "w"], outputs: ["m"]),
            Node(name: "add", opType: "Add", inputs: ["m", "c"], outputs: ["y"]),
        ]
        let inits: [String: Tensor] = [
            "w_q": Tensor(shape: [2, 3], data: .int8([1, -2, 3, -127, 127, 0])),
            "w_s": Tensor(shape: [3], floats: [0.5, 0.25, 2]),
            "w_z": Tensor(shape: [3], data: .int8([0, 0, 0])),
            "c_q": Tensor(shape: [3], data: .uint8([0, 10, 255])),
            "c_s": Self.scalar(0.1),
            "c_z": Tensor(shape: [], data: .uint8([10])),
        ]
        var model = Self.qdqModel(nodes, inits)
        model.graph.inputs = [ValueInfo(name: "x2", elementType: Self.f32, dims: [.fixed(1), .fixed(2)])]
        let imported = try QDQImporter.recover(model)
        let g = imported.floatModel.graph
        XCTAssertEqual(g.nodes.map(\.name), ["mm", "add"])
        XCTAssertEqual(Set(g.initializers.keys), ["w", "c"])
        XCTAssertEqual(try g.initializers["w"]?.floats(), [0.5, -0.5, 6, -63.5, 31.75, 0])
        XCTAssertEqual(try g.initializers["c"]?.floats(), [Float(-10) * 0.1, 0, Float(245) * 0.1])
        XCTAssertEqual(imported.weightScales["w"], WeightQuantization.FixedScales(axis: 1, scales: [0.5, 0.25, 2]))
        XCTAssertNil(imported.weightScales["c"])
        XCTAssertTrue(imported.perChannel)
        XCTAssertTrue(imported.points.tensors.isEmpty)
        // The MatMul's weight axis is its last one, so the stage keeps these scales.
        var config = QuantizationConfig()
        config.perChannel = false
        let (initializers, layers) = try WeightQuantization.apply(to: imported.floatModel, config: config, activationParams: [:],
                                                                  fixedScales: imported.weightScales)
        XCTAssertEqual(try initializers["w"]?.floats(), [0.5, -0.5, 6, -63.5, 31.75, 0])
        XCTAssertEqual(layers.first?.scales, [0.5, 0.25, 2])
        XCTAssertEqual(layers.first?.axis, 1)
    }

    func testFloatWeightBehindQDQPair() throws {
        // ONNX Runtime's AddQDQPairToWeight form: the float weight stays, with a Q/DQ pair in front of the layer.
        let nodes = [
            Node(name: "qw", opType: "QuantizeLinear", inputs: ["w", "w_s", "w_z"], outputs: ["wq"], attributes: ["axis": .int(1)]),
            Node(name: "dqw", opType: "DequantizeLinear", inputs: ["wq", "w_s", "w_z"], outputs: ["wd"], attributes: ["axis": .int(1)]),
            Node(name: "mm", opType: "MatMul", inputs: ["x2", "wd"], outputs: ["y"]),
        ]
        let inits: [String: Tensor] = [
            "w": Tensor(shape: [2, 2], floats: [0.26, -1.3, 0.74, 0.5]),
            "w_s": Tensor(shape: [2], floats: [0.5, 0.25]),
            "w_z": Tensor(shape: [2], data: .int8([0, 0])),
        ]
        var model = Self.qdqModel(nodes, inits)
        model.graph.inputs = [ValueInfo(name: "x2", elementType: Self.f32, dims: [.fixed(1), .fixed(2)])]
        let imported = try QDQImporter.recover(model)
        let g = imported.floatModel.graph
        XCTAssertEqual(g.nodes.map(\.name), ["mm"])
        XCTAssertEqual(g.nodes[0].inputs, ["x2", "w"])
        XCTAssertEqual(try g.initializers["w"]?.floats(), [0.26, -1.3, 0.74, 0.5])
        XCTAssertEqual(Set(g.initializers.keys), ["w"])
        XCTAssertEqual(imported.weightScales["w"], WeightQuantization.FixedScales(axis: 1, scales: [0.5, 0.25]))
        XCTAssertTrue(imported.config.floatNodes.isEmpty)
        // The stage rounds the float weight to the model's grid: w / s rounded, times s.
        let stage = try imported.makeStage()
        XCTAssertEqual(try stage.model.graph.initializers["w"]?.floats(), [0.5, -1.25, 0.5, 0.5])
        let out = try XCTUnwrap(try stage.run(["x2": Tensor(shape: [1, 2], floats: [1, 2])])["y"]?.floats())
        XCTAssertEqual(out, [1.5, -0.25])
    }

    // MARK: - Refused forms

    func refusal(_ nodes: [Node], _ inits: [String: Tensor], outputs: [String] = ["y"]) -> String {
        calibErrorMessage { _ = try QDQImporter.recover(Self.qdqModel(nodes, inits, outputs: outputs)) }
    }

    func pair(_ extraQ: [String: AttributeValue] = [:], scale: String = "s", zp: String? = "z", dqScale: String = "s") -> [Node] {
        [Node(name: "q", opType: "QuantizeLinear", inputs: ["x", scale] + (zp.map { [$0] } ?? []), outputs: ["qo"], attributes: extraQ),
         Node(name: "dq", opType: "DequantizeLinear", inputs: ["qo", dqScale] + (zp.map { [$0] } ?? []), outputs: ["y"])]
    }

    func testRefusedForms() {
        let inits: [String: Tensor] = ["s": Self.scalar(0.5), "s2": Self.scalar(0.25), "z": Self.int8(0),
                                       "sv": Tensor(shape: [4], floats: [1, 2, 3, 4]),
                                       "zv": Tensor(shape: [4], data: .int8([0, 0, 0, 0]))]
        XCTAssertTrue(refusal(pair(["block_size": .int(32)]), inits).contains("block quantization"))
        XCTAssertTrue(refusal(pair(["output_dtype": .int(5)], zp: nil), inits).contains("INT16"))
        XCTAssertTrue(refusal(pair(["output_dtype": .int(17)], zp: nil), inits).contains("only int8 and uint8"))
        XCTAssertTrue(refusal(pair(dqScale: "s2"), inits).contains("requantization"))
        XCTAssertTrue(refusal(pair(["axis": .int(0)], scale: "sv", zp: "zv", dqScale: "sv"), inits).contains("per axis"))
        // A QuantizeLinear whose integer output is the graph output, or feeds an integer operator.
        let lone = [Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"])]
        XCTAssertTrue(refusal(lone, inits).contains("no matching DequantizeLinear"))
        let qop = [Node(name: "q", opType: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["qo"]),
                   Node(name: "conv", opType: "QLinearConv", inputs: ["qo", "s", "z"], outputs: ["y"])]
        XCTAssertTrue(refusal(qop, inits).contains("QOperator"))
        // A DequantizeLinear of a computed integer tensor (not from a QuantizeLinear).
        let cast = [Node(name: "cast", opType: "Cast", inputs: ["x"], outputs: ["xi"], attributes: ["to": .int(3)]),
                    Node(name: "dq", opType: "DequantizeLinear", inputs: ["xi", "s", "z"], outputs: ["y"])]
        XCTAssertTrue(refusal(cast, inits).contains("neither a constant nor the output of a QuantizeLinear"))
        var ms = pair()
        ms[0].domain = "com.microsoft"
        ms[1].domain = "com.microsoft"
        XCTAssertTrue(refusal(ms, inits).contains("com.microsoft"))
        XCTAssertFalse(QDQImporter.isQDQ(Self.qdqModel(ms, inits)))
    }
}

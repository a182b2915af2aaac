import Diff
import Engine
import Foundation
import XCTest

/// A model of opset 9 is exported at opset 13: its Clip, Pad, Slice, Split, ReduceSum and Softmax (over the
/// trailing axes from axis 1) and its Upsample must reach ONNX Runtime in opset-13 forms that compute the same.
final class ExportOldOpsetTests: XCTestCase {
    private func oldModel() -> Model {
        var rng = ExportRandom(seed: 5)
        let nodes = [
            Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: ["pads": .ints([1, 1, 1, 1])]),
            Node(name: "clip", opType: "Clip", inputs: ["c"], outputs: ["r"], attributes: ["min": .float(0), "max": .float(6)]),
            Node(name: "pad", opType: "Pad", inputs: ["r"], outputs: ["p"],
                 attributes: ["pads": .ints([0, 0, 1, 0, 0, 0, 0, 1]), "value": .float(0.25)]),
            Node(name: "slice", opType: "Slice", inputs: ["p"], outputs: ["s"],
                 attributes: ["starts": .ints([1, 0]), "ends": .ints([9, 8]), "axes": .ints([2, 3])]),
            Node(name: "up", opType: "Upsample", inputs: ["s", "scales"], outputs: ["u"], attributes: ["mode": .string("nearest")]),
            Node(name: "pw", opType: "Conv", inputs: ["u", "w2", "b2"], outputs: ["v"]),
            Node(name: "split", opType: "Split", inputs: ["v"], outputs: ["va", "vb"], attributes: ["axis": .int(1), "split": .ints([2, 2])]),
            Node(name: "softmax", opType: "Softmax", inputs: ["va"], outputs: ["sm"], attributes: ["axis": .int(1)]),
            Node(name: "sum", opType: "ReduceSum", inputs: ["vb"], outputs: ["rs"], attributes: ["axes": .ints([1]), "keepdims": .int(1)]),
        ]
        let initializers = [
            "w": rng.tensor([4, 3, 3, 3], scale: 0.5), "b": rng.tensor([4], scale: 0.1),
            "w2": rng.tensor([4, 4, 1, 1], scale: 0.5), "b2": rng.tensor([4], scale: 0.1),
            "scales": Tensor(shape: [4], floats: [1, 1, 2, 2]),
        ]
        let graph = Graph(name: "old", nodes: nodes, initializers: initializers,
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: [.fixed(1), .fixed(3), .fixed(8), .fixed(8)])],
                          outputs: [ValueInfo(name: "sm", elementType: 1, dims: [1, 2, 16, 16].map(Dimension.fixed)),
                                    ValueInfo(name: "rs", elementType: 1, dims: [1, 1, 16, 16].map(Dimension.fixed))])
        return Model(graph: graph, opsets: ["": 9])
    }

    func testOnnxRuntimeRunsTheExportOfAnOpset9ModelAsTheQuantizedStageComputes() throws {
        _ = try ExportCheck.python()
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = oldModel()
        var rng = ExportRandom(seed: 9)
        let calibration = (0..<8).map { _ in ["x": rng.tensor([1, 3, 8, 8], scale: 2)] }
        let input = rng.tensor([1, 3, 8, 8], scale: 2)
        let analyzer = try QuantAnalyzer(model: model, calibration: .inMemory(calibration), evaluation: [["x": input]])
        let e = try analyzer.evaluate(QuantizationConfig(), isolated: false, hybrid: false)
        let outputs = try e.stage.run(["x": input])

        let exported = try QDQExporter.export(e.stage, floatModel: analyzer.quantizationModel)
        XCTAssertEqual(exported.opset, 13)
        XCTAssertEqual(try analyzer.outputCosine(of: exported), e.outputCosine, accuracy: 1e-6,
                       "qscope runs the written model as the stage")
        var steps: [String: Double] = [:]
        for (out, _) in outputs { steps[out] = e.stage.activationParams[out].map { Double($0.scale) } ?? 0 }
        let r = try ExportCheck.run(exported, input: input, inputName: "x", outputs: outputs, steps: steps, in: dir)
        // Every initializer written is read by a node (ONNX Runtime warns about the others).
        let written = try ModelLoader.load(path: dir.appendingPathComponent("q.onnx").path).graph
        let read = Set(written.nodes.flatMap(\.inputs))
        XCTAssertEqual(Set(written.initializers.keys).subtracting(read), [], "unread initializers in the file")
        print("ONNX Runtime vs quantized stage (opset 9 model): \(r.stdout)\(r.stderr)")
        XCTAssertEqual(r.code, 0, r.stdout + r.stderr)
    }
}

/// Fixed-seed values in [-scale, scale).
private struct ExportRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func tensor(_ shape: [Int], scale: Float) -> Tensor {
        Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        })
    }
}

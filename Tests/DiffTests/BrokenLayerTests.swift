import Foundation
import XCTest
import Engine
@testable import Diff

/// On the real demo network: one mid-network activation given a tiny range must be found as the cause, and the
/// layers after it must be reported as inheriting its error rather than introducing their own.
final class BrokenLayerTests: XCTestCase {
    func testATinyRangeOnOneTensorIsRankedFirstAndItsDownstreamInherits() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var (path, config) = try DemoModel.locate(samples: 4, evalSamples: 2, scratch: scratch)
        config.quantization.method = .max
        let model = try ModelLoader.load(path: path)
        let data = try AnalysisData.open(model: model, config: config)
        let analyzer = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation)
        let baseline = try analyzer.evaluate(config.quantization, hybrid: false)
        let baseReport = try ReportBuilder.build(analyzer: analyzer, evaluation: baseline, config: config, modelPath: path)

        // A quantized convolution on the main path in the middle of the network (Conv with its BatchNormalization
        // folded, reported under the BatchNormalization that produced the tensor), healthy before we break it.
        let convs = baseReport.layers.filter {
            $0.quantization != nil && $0.accumulated[.floatQuantized] != nil && $0.isolated[.floatQuantized] != nil
                && $0.opType == "BatchNormalization"
        }
        XCTAssertGreaterThan(convs.count, 6, "the demo has many quantized convolutions")
        let target = convs[convs.count / 2]
        let tensor = target.outputTensor
        XCTAssertGreaterThan(try XCTUnwrap(target.accumulated[.floatQuantized]).cosineSimilarity, 0.9)

        var broken = config.quantization
        let range = try XCTUnwrap(target.quantization)
        let tiny = Float(max(abs(range.rangeMin), abs(range.rangeMax)) * 0.002)
        broken.rangeOverrides[tensor] = CalibrationRange(min: -tiny, max: tiny)
        let evaluation = try analyzer.evaluate(broken)
        let report = try ReportBuilder.build(analyzer: analyzer, evaluation: evaluation, config: config, modelPath: path)
        let ranked = report.suspicious.filter { $0.pair == .floatQuantized }.sorted { $0.rank < $1.rank }
        let top = ranked.prefix(8).map { "\($0.rank). \($0.nodeName) [\($0.kindsText)] \($0.reason)" }.joined(separator: "\n")
        let first = try XCTUnwrap(ranked.first)
        XCTAssertEqual(first.layerIndex, target.index, "expected \(target.nodeName) first; ranking:\n\(top)")
        XCTAssertTrue(first.kinds.contains(.dropPoint), first.reason)
        XCTAssertTrue(first.kinds.contains(.highIsolatedError), first.reason)
        XCTAssertLessThan(try XCTUnwrap(first.isolatedCosine), 0.9, "a high isolated error")

        // The integer layer alone on the accelerator, fed the float inputs, shows the same broken output grid.
        XCTAssertNil(evaluation.hybridError)
        let hybridIsolated = try XCTUnwrap(report.layers[target.index].isolated[.floatHybrid], "hybrid isolated error of \(target.nodeName)")
        XCTAssertLessThan(hybridIsolated.cosineSimilarity, 0.9)
        XCTAssertEqual(hybridIsolated.cosineSimilarity, try XCTUnwrap(first.isolatedCosine), accuracy: 0.05,
                       "integer kernel and fake quantization agree on the layer's own error")
        let upstream = report.layers.filter { $0.index < target.index && $0.placement == .acc }.compactMap { $0.isolated[.floatHybrid] }
        XCTAssertGreaterThan(upstream.count, 5, "integer layers before the broken one have isolated errors")
        XCTAssertGreaterThan(upstream.map(\.cosineSimilarity).min() ?? 0, 0.99, "and those are small")

        // Every layer downstream of it that is suspicious inherits from it.
        var downstream = Set([target.index])
        for l in report.layers where l.inputLayers.contains(where: downstream.contains) { downstream.insert(l.index) }
        let after = ranked.filter { downstream.contains($0.layerIndex) && $0.layerIndex != target.index }
        XCTAssertFalse(after.isEmpty, "the error reaches later layers")
        for s in after {
            XCTAssertFalse(s.isIntroduced, "\(s.nodeName) (\(s.opType)) should inherit: \(s.reason)")
            XCTAssertEqual(s.inheritedFromName, target.nodeName, "\(s.nodeName): \(s.reason)")
        }
    }
}

import Foundation
import XCTest
import Engine
@testable import Diff

/// Evaluation samples that are the first calibration samples are run once: their float tensors recorded during
/// the calibration pass must be exactly those of a separate run, and the statistics those of the plain pass.
final class SharedSamplesTests: XCTestCase {
    func testSharedEvaluationSamplesGiveTheSameCacheAndStatistics() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-shared-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (path, config) = try DemoModel.locate(samples: 4, evalSamples: 3, scratch: scratch)
        let model = try ModelLoader.load(path: path)
        let data = try AnalysisData.open(model: model, config: config)
        XCTAssertEqual(data.sharedSamples, 3, "the evaluation samples default to the first calibration samples")
        let shared = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation,
                                       sharedSamples: data.sharedSamples)
        let separate = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation)
        XCTAssertEqual(shared.statistics.statistics, separate.statistics.statistics)
        XCTAssertEqual(shared.floatActivations.count, 3)
        for (a, b) in zip(shared.floatActivations, separate.floatActivations) {
            XCTAssertEqual(Set(a.keys), Set(b.keys))
            for (name, t) in a {
                guard case .float(let x) = t.data, case .float(let y)? = b[name]?.data else { continue }
                XCTAssertEqual(x, y, name)
            }
        }
        // A separate evaluation directory shares nothing.
        var other = config
        other.evalDataDir = config.calDataDir
        XCTAssertEqual(try AnalysisData.open(model: model, config: other).sharedSamples, 0)
    }
}

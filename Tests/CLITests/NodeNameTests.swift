import Engine
import Foundation
import XCTest

/// Node names a user writes (`--run-on-cpu`, `run_on_cpu`, `calibration_overrides`, a target's `run_on_cpu`) and
/// a target's operator names must exist: a typo is an error listing every unknown name, not a silent no-op.
final class NodeNameTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var fixture: String { CLI.fixture("ops_cover.onnx") }

    /// A Conv of the fixture, and the same name with its last character changed.
    func convAndTypo() throws -> (name: String, typo: String) {
        let conv = try XCTUnwrap(try ModelLoader.load(path: fixture).graph.nodes.first { $0.opType == "Conv" }).name
        return (conv, String(conv.dropLast()) + (conv.last == "Z" ? "Y" : "Z"))
    }

    func testUnknownRunOnCPUFlagsAreAllNamedWithASuggestion() throws {
        let cal = try CLI.writeSamples(in: dir, count: 2, seed: 7)
        let (conv, typo) = try convAndTypo()
        let stderr = try CLI.assertFails(
            ["analyze", fixture, "--calib", cal, "--run-on-cpu", "NoSuchNode", "--run-on-cpu", typo, "--run-on-cpu", conv],
            mentions: ["run_on_cpu", "'NoSuchNode'", "'\(typo)' (did you mean '\(conv)'?)"])
        XCTAssertFalse(stderr.contains("'\(conv)',"), "a real node is not listed: \(stderr)")
        let ok = try CLI.run(["analyze", fixture, "--calib", cal, "--run-on-cpu", conv, "--stages", "quantized",
                              "--eval-samples", "1"])
        XCTAssertEqual(ok.code, 0, "a real node name is accepted: \(ok.stderr)")
    }

    func testUnknownNamesInTheConfigAreAllNamed() throws {
        _ = try CLI.writeSamples(in: dir, count: 2, seed: 7)
        let config = dir.appendingPathComponent("q.yaml")
        try Data("cal_data_dir: cal\nrun_on_cpu: NoSuchNode\ncalibration_overrides: {NoNode: kl}\n".utf8).write(to: config)
        try CLI.assertFails(["analyze", fixture, "--config", config.path],
                            mentions: ["run_on_cpu", "'NoSuchNode'", "calibration_overrides", "'NoNode'"])
        try CLI.assertFails(["export", fixture, "--config", config.path, "-o", dir.appendingPathComponent("q.onnx").path],
                            mentions: ["'NoSuchNode'", "'NoNode'"])
    }

    func testATargetsUnknownNodesAndOperatorsAreErrors() throws {
        let cal = try CLI.writeSamples(in: dir, count: 2, seed: 7)
        let target = dir.appendingPathComponent("npu.json")
        try Data(#"{"name": "t", "run_on_cpu": ["ghost"], "operators": {"Conv": {}}}"#.utf8).write(to: target)
        try CLI.assertFails(["analyze", fixture, "--calib", cal, "--target", target.path],
                            mentions: [target.path, "'ghost'"])
        try Data(#"{"name": "t", "operators": {"Frobnicate": {}, "conv": {}, "Relu": {}}}"#.utf8).write(to: target)
        let stderr = try CLI.assertFails(["analyze", fixture, "--calib", cal, "--target", target.path],
                                         mentions: [target.path, "'operators.Frobnicate'", "'operators.conv' (did you mean 'Conv'?)"])
        XCTAssertFalse(stderr.contains("operators.Relu"), stderr)
    }
}

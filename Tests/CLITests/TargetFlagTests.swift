import Engine
import Foundation
import XCTest

/// `--target FILE` (and the `target` config key): a user's own accelerator description drives the hybrid
/// partition, and a broken file is refused before any work starts.
final class TargetFlagTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var fixture: String { CLI.fixture("ops_cover.onnx") }

    func writeSamples(_ n: Int) throws -> String { try CLI.writeSamples(in: dir, count: n, seed: 40) }

    func layers(_ path: String) throws -> [[String: Any]] {
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        return doc["layers"] as! [[String: Any]]
    }

    func testAConvOnlyTargetSendsEverythingElseToTheCPUWithTheTargetsName() throws {
        let cal = try writeSamples(4)
        let target = dir.appendingPathComponent("conv-only.json")
        try Data(#"{"name": "conv-only", "operators": {"Conv": {"kernel_max": 3}}}"#.utf8).write(to: target)
        let custom = dir.appendingPathComponent("custom.json").path
        let standard = dir.appendingPathComponent("standard.json").path
        var r = try CLI.run(["analyze", fixture, "--calib", cal, "--eval-samples", "1", "--target", target.path,
                             "--report", custom])
        XCTAssertEqual(r.code, 0, r.stderr)
        r = try CLI.run(["analyze", fixture, "--calib", cal, "--eval-samples", "1", "--report", standard])
        XCTAssertEqual(r.code, 0, r.stderr)

        let withTarget = try layers(custom), withDefault = try layers(standard)
        let leakyCPU = withTarget.filter { ($0["op"] as? String) == "LeakyRelu" && ($0["placement"] as? String) == "cpu" }
        XCTAssertFalse(leakyCPU.isEmpty, "LeakyRelu is not in the conv-only target, so it runs on the CPU")
        for l in leakyCPU {
            let reason = l["placementReason"] as? String ?? ""
            XCTAssertTrue(reason.contains("conv-only"), "the reason names the target: \(reason)")
        }
        XCTAssertTrue(withDefault.contains { ($0["op"] as? String) == "LeakyRelu" && ($0["placement"] as? String) == "acc" },
                      "the built-in generic NPU runs LeakyRelu on the accelerator")
        // A 3x3 limit: any larger Conv kernel is out of range on this target.
        let model = try ModelLoader.load(path: fixture)
        for node in model.graph.nodes where node.opType == "Conv" {
            guard let k = try? node.ints("kernel_shape"), k.contains(where: { $0 > 3 }),
                  let l = withTarget.first(where: { ($0["name"] as? String) == node.name }) else { continue }
            XCTAssertEqual(l["placement"] as? String, "cpu", "\(node.name) has kernel \(k)")
        }
    }

    func testTheConfigKeyIsReadRelativeToTheConfigFile() throws {
        _ = try writeSamples(4)
        try Data(#"{"name": "from-config", "operators": {"Conv": {}}}"#.utf8)
            .write(to: dir.appendingPathComponent("t.json"))
        let config = dir.appendingPathComponent("q.yaml")
        try Data("cal_data_dir: cal\ntarget: t.json\neval_samples: 1\n".utf8).write(to: config)
        let out = dir.appendingPathComponent("r.json").path
        let r = try CLI.run(["analyze", fixture, "--config", config.path, "--report", out])
        XCTAssertEqual(r.code, 0, r.stderr)
        let reasons = try layers(out).compactMap { $0["placementReason"] as? String }
        XCTAssertTrue(reasons.contains { $0.contains("from-config") }, "\(reasons.prefix(3))")
    }

    func testABrokenTargetFileIsNamedBeforeAnyWork() throws {
        let cal = try writeSamples(2)
        let bad = dir.appendingPathComponent("bad-target.json")
        try Data(#"{"name": "x", "operators": {"Conv": {"kernal_max": 3}}}"#.utf8).write(to: bad)
        var r = try CLI.run(["analyze", fixture, "--calib", cal, "--target", bad.path])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("bad-target.json"), r.stderr)
        XCTAssertTrue(r.stderr.contains("kernal_max"), r.stderr)

        r = try CLI.run(["analyze", fixture, "--calib", cal, "--target", dir.appendingPathComponent("none.json").path])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("none.json"), r.stderr)
    }
}

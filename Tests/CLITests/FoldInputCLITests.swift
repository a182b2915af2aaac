import Engine
import Foundation
import XCTest

/// How `qscope analyze` says the hybrid stage's input is fed: uint8 pixels with the mean/scale folded into the
/// first Conv, or the quantized float tensor with the reason.
final class FoldInputCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func hybridInput(_ jsonPath: String) throws -> [String: [String: Any]] {
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: jsonPath))) as! [String: Any]
        return try XCTUnwrap(root["hybrid_input"] as? [String: [String: Any]], "hybrid_input missing")
    }

    func testDemoReportsTheFoldAndItsSwitch() throws {
        let (model, data) = try DemoAssets.locate(scratch: dir)
        guard data.contains("--config") else {
            throw XCTSkip("the demo photos (.cache/demo/images) are absent; the shared copy's .npy samples have no image preprocessing to fold")
        }
        let input = try ModelLoader.load(path: model).graph.inputs[0].name
        let json = dir.appendingPathComponent("on.json").path
        let base = ["analyze", model] + data + ["--method", "max", "--cal-samples", "2", "--eval-samples", "1"]
        let on = try CLI.run(base + ["--json", json])
        XCTAssertEqual(on.code, 0, on.stderr)
        let feed = try XCTUnwrap(try hybridInput(json)[input])
        XCTAssertEqual(feed["feed"] as? String, "uint8_pixels")
        XCTAssertEqual(feed["zero_point"] as? Int, 114)
        let conv = try XCTUnwrap(feed["folded_into"] as? String)
        XCTAssertTrue(on.stdout.contains("hybrid input \(input): uint8 pixels, mean/scale folded into \(conv) (zero point 114)"),
                      on.stdout)

        let offJSON = dir.appendingPathComponent("off.json").path
        let off = try CLI.run(base + ["--fold-input-norm", "false", "--json", offJSON])
        XCTAssertEqual(off.code, 0, off.stderr)
        let plain = try XCTUnwrap(try hybridInput(offJSON)[input])
        XCTAssertEqual(plain["feed"] as? String, "quantized_float")
        XCTAssertEqual(plain["reason"] as? String, "folding is turned off (fold_input_norm: false)")
        XCTAssertTrue(off.stdout.contains("hybrid input \(input): quantized float (folding is turned off"), off.stdout)
    }

    func testFeaturemapStyleSamplesAreNotFolded() throws {
        let cal = try CLI.writeSamples(in: dir, count: 2, seed: 5)
        let json = dir.appendingPathComponent("m.json").path
        let r = try CLI.run(["analyze", CLI.fixture("ops_cover.onnx"), "--calib", cal, "--eval-samples", "1", "--json", json])
        XCTAssertEqual(r.code, 0, r.stderr)
        let inputs = try hybridInput(json)
        XCTAssertEqual(inputs.count, 1)
        let feed = try XCTUnwrap(inputs.values.first)
        XCTAssertEqual(feed["feed"] as? String, "quantized_float")
        XCTAssertTrue((feed["reason"] as? String ?? "").contains("no_preprocess"), "\(feed)")
    }
}

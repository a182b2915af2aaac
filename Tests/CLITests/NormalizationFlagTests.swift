import Engine
import Foundation
import XCTest

/// `--mean`/`--scale` without `--norm-type` normalize the images (norm_type follows the values given), a
/// norm_type that would ignore them is an error, and the report records the preprocessing used.
final class NormalizationFlagTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var fixture: String { CLI.fixture("ops_cover.onnx") }

    func imageDirectory() throws -> String {
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for (i, name) in ["rgb_8x6.png", "rgb_8x6.jpg"].enumerated() {
            try FileManager.default.copyItem(atPath: CLI.fixture("images/\(name)"),
                                             toPath: images.appendingPathComponent("\(i)_\(name)").path)
        }
        return images.path
    }

    func testMeanAndScaleAloneNormalizeTheImagesAndAreReported() throws {
        let images = try imageDirectory()
        let dump = dir.appendingPathComponent("dump").path, report = dir.appendingPathComponent("r.json").path
        let r = try CLI.run(["analyze", fixture, "--calib", images, "--mean", "127.5 127.5 127.5",
                             "--scale", "0.0078125 0.0078125 0.0078125", "--stages", "quantized", "--eval-samples", "1",
                             "--dump-samples", dump, "--report", report])
        XCTAssertEqual(r.code, 0, r.stderr)
        // The float input the model ran on: (pixel - 127.5) / 128, inside [-1, 1], not pixels 0...255.
        let sample = try Npy.read(path: dump + "/cal_000_input.npy").floats()
        XCTAssertLessThanOrEqual(sample.max() ?? 9, 1)
        XCTAssertGreaterThanOrEqual(sample.min() ?? -9, -1)
        XCTAssertLessThan(sample.min() ?? 0, 0, "the mean was subtracted")

        let summary = "input: rgb (device rgb), NCHW, resize 32x32, norm_type data_mean_and_scale: "
            + "(x - [127.5, 127.5, 127.5]) * [0.0078125, 0.0078125, 0.0078125]"
        XCTAssertTrue(r.stdout.contains("preprocess \(summary)"), r.stdout)
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any]
        let config = try XCTUnwrap(root["config"] as? [[String: String]])
        XCTAssertTrue(config.contains { $0["key"] == "preprocess" && $0["value"] == summary }, "\(config)")
    }

    func testANormTypeThatIgnoresAGivenValueIsAnError() throws {
        let images = try imageDirectory()
        try CLI.assertFails(["analyze", fixture, "--calib", images, "--norm-type", "no_preprocess", "--mean", "127"],
                            mentions: ["--norm-type no_preprocess", "--mean", "data_mean"])
        let config = dir.appendingPathComponent("q.yaml")
        try Data("norm_type: data_scale\nscale_value: 0.5\n".utf8).write(to: config)
        try CLI.assertFails(["analyze", fixture, "--calib", images, "--config", config.path, "--mean", "127"],
                            mentions: ["--mean", config.path, "data_scale", "--norm-type data_mean_and_scale"])
    }
}

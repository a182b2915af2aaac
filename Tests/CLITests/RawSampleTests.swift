import Engine
import Foundation
import XCTest

/// Raw `.bin` samples (cal_data_dir, `compare --eval`): headerless values of the model input's element type and
/// concrete shape, with a clear error when a file's size does not match.
final class RawSampleTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var fixture: String { CLI.fixture("ops_cover.onnx") }

    /// `count` float32 samples of the fixture's input [1, 3, 32, 32] as .bin files in `dir/bin`.
    func writeBinSamples(_ count: Int) throws -> URL {
        let bin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        for i in 0..<count {
            let t = try SyntheticInput.make(shape: [1, 3, 32, 32], dtype: .float, seed: 50 + UInt64(i))
            try TensorProtoCodec.rawBytes(.float(try t.floats().map { ($0 - 0.5) * 3 }))
                .write(to: bin.appendingPathComponent("s\(i).bin"))
        }
        return bin
    }

    func testBinSamplesCalibrateAndCompare() throws {
        let bin = try writeBinSamples(3)
        let analyze = try CLI.run(["analyze", fixture, "--calib", bin.path, "--stages", "quantized", "--eval-samples", "1"])
        XCTAssertEqual(analyze.code, 0, analyze.stderr)
        XCTAssertTrue(analyze.stdout.contains("calibration samples: 3"), analyze.stdout)
        let compare = try CLI.run(["compare", fixture, fixture, "--eval", bin.path, "--eval-samples", "2"])
        XCTAssertEqual(compare.code, 0, compare.stderr)
        XCTAssertTrue(compare.stdout.contains("inputs: directory \(bin.path), 2 samples"), compare.stdout)
    }

    func testABinSampleOfTheWrongSizeIsNamed() throws {
        let bin = try writeBinSamples(2)
        let short = bin.appendingPathComponent("s1.bin")
        try Data(count: 3 * 32 * 32).write(to: short)  // uint8 pixels, but the input is float32
        try CLI.assertFails(["compare", fixture, fixture, "--eval", bin.path],
                            mentions: [short.path, "3072 bytes", "'input'", "float32", "[1, 3, 32, 32]", "12288 bytes"])
    }
}

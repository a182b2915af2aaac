import Engine
import Foundation
import XCTest

/// Mistakes on the command line: each is refused with one clear paragraph and exit code 2, never accepted in a
/// form the user did not mean.
final class CommandLineErrorTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    var fixture: String { CLI.fixture("ops_cover.onnx") }

    func testArgumentParsingErrorsExitWithTwoWhileHelpAndVersionExitWithZero() throws {
        try CLI.writeReluModel([1, 3, 4, 4], to: URL(fileURLWithPath: path("relu.onnx")))
        let cases: [([String], String)] = [
            (["run", "--repeat", "-1", path("relu.onnx")], "Missing value for '--repeat"),
            (["analyze", fixture, "--per-channel", "yes"], "'yes' is invalid for '--per-channel"),
            (["export", fixture], "Missing expected argument '--output"),
            (["run"], "Missing expected argument '<model>'"),
            (["analyze", fixture, "--no-such-flag"], "Unknown option '--no-such-flag'"),
        ]
        for (args, message) in cases {
            let r = try CLI.run(args)
            XCTAssertEqual(r.code, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("Usage: qscope"), "ArgumentParser's usage line is kept: \(r.stderr)")
        }
        for args in [["--help"], ["analyze", "--help"], ["help", "compare"]] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.code, 0, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("USAGE: qscope"), "\(args): \(r.stdout)")
        }
        let version = try CLI.run(["--version"])
        XCTAssertEqual(version.code, 0, version.stderr)
        XCTAssertTrue(version.stdout.first?.isNumber ?? false, "a version number: \(version.stdout)")
    }

    func testSizesMustBeExactlyNOrNxM() throws {
        for bad in ["10x", "x10", "256x", "256xx256", "256 256", "0", "10x0", "224x224x3"] {
            try CLI.assertFails(["analyze", fixture, "--calib", dir.path, "--resize", bad], mentions: ["--resize", "\"\(bad)\""])
        }
        try CLI.assertFails(["analyze", fixture, "--calib", dir.path, "--center-crop", "224x"],
                            mentions: ["--center-crop", "\"224x\""])
        let config = dir.appendingPathComponent("q.yaml")
        try Data("input_parameters:\n  resize: 10x\n".utf8).write(to: config)
        try CLI.assertFails(["analyze", fixture, "--config", config.path], mentions: [config.path, "'resize'", "\"10x\""])
    }

    func testGivenShapesAreCheckedAgainstTheInputsDeclaration() throws {
        let fixed = path("fixed.onnx"), dynamic = path("dynamic.onnx")
        try CLI.writeReluModel([1, 3, 4, 4], to: URL(fileURLWithPath: fixed))
        try CLI.writeReluModel([nil, 3, nil, nil], to: URL(fileURLWithPath: dynamic))
        // The wrong number of dimensions, on every command that takes --shape.
        try CLI.assertFails(["passes", fixed, "--shape", "x=1x3"], mentions: ["input 'x'", "2 dimensions", "[1, 3, 4, 4]"])
        try CLI.assertFails(["run", dynamic, "--shape", "x=1x3x4x4x1"], mentions: ["input 'x'", "5 dimensions", "declares 4"])
        // A fixed dimension cannot be overridden; the dynamic ones can.
        try CLI.assertFails(["run", fixed, "--shape", "x=1x3x8x8"],
                            mentions: ["input 'x'", "dimension 2 to 8 (fixed at 4)", "dimension 3 to 8 (fixed at 4)"])
        try CLI.assertFails(["run", dynamic, "--shape", "x=2x4x8x8"], mentions: ["input 'x'", "dimension 1 to 4 (fixed at 3)"])
        let ok = try CLI.run(["run", dynamic, "--shape", "x=2x3x8x8", "--json"])
        XCTAssertEqual(ok.code, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("\"shape\":[2,3,8,8]"), ok.stdout)
        try CLI.assertFails(["run", dynamic, "--shape", "x=2x3x8x"], mentions: ["--shape 'x=2x3x8x'", "positive integers"])
        // analyze names the input, not an image, when the shape is wrong.
        let images = dir.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.fixture("images/rgb_8x6.png"), toPath: images.appendingPathComponent("a.png").path)
        let stderr = try CLI.assertFails(["analyze", fixture, "--calib", images.path, "--shape", "1x3x32x32x1"],
                                         mentions: ["input 'input'", "5 dimensions", "[1, 3, 32, 32]"])
        XCTAssertFalse(stderr.contains("a.png"), stderr)
    }

    func testInputArgumentsNameTheModelsInputs() throws {
        let one = path("relu.onnx")
        try CLI.writeReluModel([1, 3, 4, 4], to: URL(fileURLWithPath: one))
        let sample = path("x_ok.npy")
        try Npy.write(Tensor(shape: [1, 3, 4, 4], floats: Array(repeating: 1, count: 48)), to: sample)
        var stderr = try CLI.assertFails(["run", one, "--input", "y=\(sample)"], mentions: ["no input named 'y'", "'x'"])
        XCTAssertFalse(stderr.contains("no such file"), stderr)
        try CLI.assertFails(["run", one, "--input", "x=\(sample)", "--input", sample],
                            mentions: ["input 'x' is already given", sample])

        let two = ProtoBuilder.model(nodes: [ProtoBuilder.node("Add", ["a", "b"], ["y"], name: "add")],
                                     inputs: [ProtoBuilder.valueInfo("a", [1, 4]), ProtoBuilder.valueInfo("b", [1, 4])],
                                     outputs: [ProtoBuilder.valueInfo("y", [1, 4])])
        try ProtoBuilder.write(two, to: URL(fileURLWithPath: path("add.onnx")))
        let s8 = path("s8.npy")
        try Npy.write(Tensor(shape: [1, 4], floats: [1, 2, 3, 4]), to: s8)
        stderr = try CLI.assertFails(["run", path("add.onnx"), "--input", "z=\(s8)"],
                                     mentions: ["no input named 'z'", "'a', 'b'"])
        XCTAssertFalse(stderr.contains("so write NAME=FILE"), stderr)
        let ok = try CLI.run(["run", path("add.onnx"), "--input", "a=\(s8)", "--input", "b=\(s8)", "--json"])
        XCTAssertEqual(ok.code, 0, ok.stderr)
    }

    func testWriteFailuresSayCannotWrite() throws {
        let model = path("relu.onnx")
        try CLI.writeReluModel([1, 3, 4, 4], to: URL(fileURLWithPath: model))
        let missing = path("no-such-dir/out.onnx")
        var stderr = try CLI.assertFails(["passes", model, "-o", missing],
                                         mentions: ["cannot write '\(missing)'", "'\(path("no-such-dir"))' does not exist"])
        XCTAssertFalse(stderr.contains("cannot read"), stderr)
        try Data("x".utf8).write(to: URL(fileURLWithPath: path("taken")))
        stderr = try CLI.assertFails(["run", model, "--output-dir", path("taken")],
                                     mentions: ["cannot write '\(path("taken"))'", "needs a directory"])
        XCTAssertFalse(stderr.contains("cannot read"), stderr)
    }

    func testAllMethodsConflictsWithAnotherMethod() throws {
        try CLI.assertFails(["analyze", fixture, "--calib", dir.path, "--all-methods", "--method", "max"],
                            mentions: ["--all-methods", "--method max"])
    }
}

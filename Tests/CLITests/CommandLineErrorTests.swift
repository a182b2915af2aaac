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
}

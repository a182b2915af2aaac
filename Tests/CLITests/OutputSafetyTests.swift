import Engine
import Foundation
import XCTest

/// Commands that write models never overwrite their own input, `passes` refuses models it cannot run, and
/// `compare` refuses inputs whose NaN every metric would skip.
final class OutputSafetyTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func assertFails(_ args: [String], mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLI.run(args)
        XCTAssertEqual(r.code, 2, "exit code; stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains("qscope: error: "), r.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "'\(m)' not in: \(r.stderr)", file: file, line: line) }
    }

    /// A copy of the generated fixture model, and its bytes.
    func modelCopy() throws -> (String, Data) {
        let path = dir.appendingPathComponent("model.onnx").path
        try FileManager.default.copyItem(atPath: CLI.fixture("ops_cover.onnx"), toPath: path)
        return (path, try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func testExportAndPassesRefuseToOverwriteTheirInput() throws {
        let (model, bytes) = try modelCopy()
        let cal = try CLI.writeSamples(in: dir, count: 4, seed: 40)
        // The same file through another spelling of its path.
        let other = dir.appendingPathComponent("cal/../model.onnx").path
        try assertFails(["export", model, "--calib", cal, "-o", other], mentions: ["is the input model"])
        try assertFails(["passes", model, "-o", model], mentions: ["is the input model"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: model)), bytes, "the model is untouched")
    }

    func testPassesListsUnsupportedOperators() throws {
        let m = ProtoBuilder.model(nodes: [ProtoBuilder.node("FancyOp", ["x"], ["y"], name: "fancy_1")],
                                   inputs: [ProtoBuilder.valueInfo("x", [1, 4])],
                                   outputs: [ProtoBuilder.valueInfo("y", [1, 4])])
        let path = dir.appendingPathComponent("fancy.onnx").path
        try ProtoBuilder.write(m, to: URL(fileURLWithPath: path))
        try assertFails(["passes", path], mentions: ["FancyOp (1 node: 'fancy_1')"])
    }

    func testCompareRefusesNaNInputs() throws {
        let (model, _) = try modelCopy()
        let input = try TensorProtoCodec.read(path: CLI.fixture("ops_cover_input.pb")).tensor
        var values = try input.floats()
        values[7] = .nan
        let npy = dir.appendingPathComponent("nan.npy").path
        try Npy.write(Tensor(shape: input.shape, floats: values), to: npy)
        try assertFails(["compare", model, model, "--input", npy], mentions: ["NaN at element 7", "finite"])
    }
}

extension OutputSafetyTests {
    func testCompareRefusesInputFilesWithADataDirectory() throws {
        let (model, _) = try modelCopy()
        let cal = try CLI.writeSamples(in: dir, count: 2, seed: 50)
        try assertFails(["compare", model, model, "--input", CLI.fixture("ops_cover_input.pb"), "--eval", cal],
                        mentions: ["not both", cal])
    }
}

extension OutputSafetyTests {
    func testBadOutputPathsFailBeforeAnyWork() throws {
        let (model, _) = try modelCopy()
        let cal = try CLI.writeSamples(in: dir, count: 2, seed: 60)
        let missing = dir.appendingPathComponent("no/such/dir/q.onnx").path
        try assertFails(["export", model, "--calib", cal, "-o", missing], mentions: [missing, "does not exist"])
        try assertFails(["passes", model, "-o", dir.path], mentions: [dir.path, "is a directory"])
        try assertFails(["compare", model, model, "--eval", cal, "--report", missing.replacingOccurrences(of: ".onnx", with: ".csv")],
                        mentions: ["does not exist"])
    }
}

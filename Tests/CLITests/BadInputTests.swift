import Engine
import Foundation
import XCTest

/// Every kind of bad input gets one clear paragraph naming what and where, exit code 2, and no trap.
final class BadInputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func assertFails(_ args: [String], mentions: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLI.run(args)
        XCTAssertEqual(r.code, 2, "exit code; stderr: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains("qscope: error: "), r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.components(separatedBy: "qscope: error: ").count, 2, "one error paragraph", file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "'\(m)' not in: \(r.stderr)", file: file, line: line) }
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr, file: file, line: line)
    }

    /// A valid one-node model: y = Relu(x) with x [1, 3, 4, 4].
    func reluModel() -> Onnx_ModelProto {
        ProtoBuilder.model(nodes: [ProtoBuilder.node("Relu", ["x"], ["y"], name: "relu1")],
                           inputs: [ProtoBuilder.valueInfo("x", [1, 3, 4, 4])],
                           outputs: [ProtoBuilder.valueInfo("y", [1, 3, 4, 4])])
    }

    func testMissingFile() throws {
        try assertFails(["run", path("nope.onnx")], mentions: [path("nope.onnx"), "no such file"])
    }

    func testDirectoryInsteadOfFile() throws {
        try assertFails(["run", dir.path], mentions: [dir.path, "directory"])
    }

    func testEmptyFile() throws {
        FileManager.default.createFile(atPath: path("empty.onnx"), contents: Data())
        try assertFails(["run", path("empty.onnx")], mentions: [path("empty.onnx"), "empty"])
    }

    func testGarbageBytes() throws {
        var rng = SystemRandomNumberGenerator()
        let bytes = Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) })
        try bytes.write(to: URL(fileURLWithPath: path("garbage.onnx")))
        try assertFails(["run", path("garbage.onnx")], mentions: [path("garbage.onnx"), "not an ONNX model"])
    }

    func testTextFileIsNotAModel() throws {
        try Data("hello, this is a README\n".utf8).write(to: URL(fileURLWithPath: path("readme.onnx")))
        try assertFails(["run", path("readme.onnx")], mentions: [path("readme.onnx"), "not an ONNX model"])
    }

    func testTruncatedModel() throws {
        let w = Tensor(shape: [64, 64], floats: (0..<4096).map { Float($0) })
        let m = ProtoBuilder.model(nodes: [ProtoBuilder.node("MatMul", ["x", "w"], ["y"], name: "mm")],
                                   inputs: [ProtoBuilder.valueInfo("x", [1, 64])],
                                   outputs: [ProtoBuilder.valueInfo("y", [1, 64])], initializers: ["w": w])
        let bytes = try m.serializedData()
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path("cut.onnx")))
        try assertFails(["run", path("cut.onnx")], mentions: [path("cut.onnx"), "truncated"])
    }

    func testUnsupportedOperatorsAreAllListed() throws {
        let m = ProtoBuilder.model(nodes: [ProtoBuilder.node("FancyOp", ["x"], ["a"], name: "fancy_1"),
                                           ProtoBuilder.node("OtherOp", ["a"], ["b"], name: "other_1"),
                                           ProtoBuilder.node("FancyOp", ["b"], ["y"], name: "fancy_2")],
                                   inputs: [ProtoBuilder.valueInfo("x", [1, 4])],
                                   outputs: [ProtoBuilder.valueInfo("y", [1, 4])])
        try ProtoBuilder.write(m, to: URL(fileURLWithPath: path("unsupported.onnx")))
        try assertFails(["run", path("unsupported.onnx")],
                        mentions: ["FancyOp (2 nodes: 'fancy_1', 'fancy_2')", "OtherOp (1 node: 'other_1')"])
    }

    func testCyclicGraph() throws {
        let m = ProtoBuilder.model(nodes: [ProtoBuilder.node("Add", ["x", "b"], ["a"], name: "add_a"),
                                           ProtoBuilder.node("Relu", ["a"], ["b"], name: "relu_b")],
                                   inputs: [ProtoBuilder.valueInfo("x", [1, 4])],
                                   outputs: [ProtoBuilder.valueInfo("b", [1, 4])])
        try ProtoBuilder.write(m, to: URL(fileURLWithPath: path("cycle.onnx")))
        try assertFails(["run", path("cycle.onnx")], mentions: ["cycle", "'add_a'", "'relu_b'"])
    }

    func testMissingInitializer() throws {
        let m = ProtoBuilder.model(nodes: [ProtoBuilder.node("MatMul", ["x", "weight_missing"], ["y"], name: "fc")],
                                   inputs: [ProtoBuilder.valueInfo("x", [1, 4])],
                                   outputs: [ProtoBuilder.valueInfo("y", [1, 4])])
        try ProtoBuilder.write(m, to: URL(fileURLWithPath: path("noinit.onnx")))
        try assertFails(["run", path("noinit.onnx")], mentions: ["'fc'", "'weight_missing'"])
    }

    func testMismatchedShapesInsideTheGraph() throws {
        let b = Tensor(shape: [1, 5], floats: [1, 2, 3, 4, 5])
        let m = ProtoBuilder.model(nodes: [ProtoBuilder.node("Add", ["x", "b"], ["y"], name: "bad_add")],
                                   inputs: [ProtoBuilder.valueInfo("x", [1, 4])],
                                   outputs: [ProtoBuilder.valueInfo("y", [1, 4])], initializers: ["b": b])
        try ProtoBuilder.write(m, to: URL(fileURLWithPath: path("shapes.onnx")))
        try assertFails(["run", path("shapes.onnx")], mentions: ["'bad_add'", "Add", "[1, 4]", "[1, 5]"])
    }

    func testWrongInputShape() throws {
        try ProtoBuilder.write(reluModel(), to: URL(fileURLWithPath: path("relu.onnx")))
        try ProtoBuilder.writeTensor(Tensor(shape: [1, 3, 5, 5], floats: Array(repeating: 0, count: 75)),
                                     name: "x", to: URL(fileURLWithPath: path("x.pb")))
        try assertFails(["run", path("relu.onnx"), "--input", "x=" + path("x.pb")],
                        mentions: ["input 'x'", "[1, 3, 5, 5]", "[1, 3, 4, 4]"])
    }

    func testWrongInputType() throws {
        try ProtoBuilder.write(reluModel(), to: URL(fileURLWithPath: path("relu.onnx")))
        try ProtoBuilder.writeTensor(Tensor(shape: [1, 3, 4, 4], int64s: Array(repeating: 0, count: 48)),
                                     name: "x", to: URL(fileURLWithPath: path("x.pb")))
        try assertFails(["run", path("relu.onnx"), "--input", path("x.pb")], mentions: ["input 'x'", "int64", "float32"])
    }

    func testAbsurdDimensionsAreRefused() throws {
        let shape = Tensor(shape: [3], int64s: [100_000, 100_000, 100_000])
        let m = ProtoBuilder.model(nodes: [ProtoBuilder.node("ConstantOfShape", ["s"], ["big"], name: "huge"),
                                           ProtoBuilder.node("Add", ["big", "x"], ["y"], name: "add")],
                                   inputs: [ProtoBuilder.valueInfo("x", [1])],
                                   outputs: [ProtoBuilder.valueInfo("y", [1])], initializers: ["s": shape])
        try ProtoBuilder.write(m, to: URL(fileURLWithPath: path("huge.onnx")))
        try assertFails(["run", path("huge.onnx")], mentions: ["'huge'", "refusing to allocate"])
    }

    func testBadShapeFlag() throws {
        try ProtoBuilder.write(reluModel(), to: URL(fileURLWithPath: path("relu.onnx")))
        try assertFails(["run", path("relu.onnx"), "--shape", "x=1xAx4"], mentions: ["--shape", "positive integers"])
        try assertFails(["run", path("relu.onnx"), "--shape", "nope=1x3x4x4"], mentions: ["no input 'nope'"])
    }

    func testUnknownInputFileType() throws {
        try ProtoBuilder.write(reluModel(), to: URL(fileURLWithPath: path("relu.onnx")))
        try Data("1,2,3".utf8).write(to: URL(fileURLWithPath: path("x.csv")))
        try assertFails(["run", path("relu.onnx"), "--input", path("x.csv")], mentions: [path("x.csv"), ".npy"])
    }

    func testRunsAndWritesOutputs() throws {
        try ProtoBuilder.write(reluModel(), to: URL(fileURLWithPath: path("relu.onnx")))
        let x = Tensor(shape: [1, 3, 4, 4], floats: (0..<48).map { Float($0) - 24 })
        try ProtoBuilder.writeTensor(x, name: "x", to: URL(fileURLWithPath: path("x.pb")))
        let r = try CLI.run(["run", path("relu.onnx"), "--input", path("x.pb"), "--output-dir", path("out"), "--json", "--repeat", "3"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let outputs = json?["outputs"] as? [[String: Any]]
        XCTAssertEqual(outputs?.first?["shape"] as? [Int], [1, 3, 4, 4])
        XCTAssertEqual(outputs?.first?["max"] as? Double, 23)
        XCTAssertEqual(outputs?.first?["min"] as? Double, 0)
        XCTAssertNotNil(json?["median_ms"] as? Double)
        XCTAssertGreaterThan(json?["peak_rss_mb"] as? Double ?? 0, 0)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("out/manifest.json")))) as? [String: Any]
        let file = (manifest?["outputs"] as? [String: String])?["y"]
        XCTAssertNotNil(file)
        let npy = try Data(contentsOf: URL(fileURLWithPath: path("out/" + (file ?? ""))))
        XCTAssertEqual(npy.prefix(6), Data([0x93]) + Data("NUMPY".utf8))
        XCTAssertEqual(npy.count % 64, (48 * 4) % 64)
    }
}

import Engine
import Foundation
import XCTest

/// `qscope compare` on the float fixture and its ONNX Runtime QDQ version, and on a model against itself.
final class CompareCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    }
    var floatModel: String { fixtures.appendingPathComponent("ort_qdq/float.onnx").path }
    var qdqModel: String { fixtures.appendingPathComponent("ort_qdq/model.onnx").path }
    var input: String { fixtures.appendingPathComponent("ort_qdq/input_0.pb").path }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func testFloatAgainstOrtQDQAlignsDequantizedTensorsAndWritesEveryFormat() throws {
        let csv = dir.appendingPathComponent("c.csv").path, js = dir.appendingPathComponent("c.json").path
        let html = dir.appendingPathComponent("c.html").path
        let r = try CLI.run(["compare", floatModel, qdqModel, "--input", "input=\(input)",
                             "--report", csv, "--report", js, "--report", html])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("B: \(qdqModel) (QDQ, imported)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("float.onnx vs model.onnx"), "the pair is labelled by the files: \(r.stdout)")
        // ORT folds each Relu into its Conv's Q/DQ pair; the import restores it and renames the Conv's output, which
        // is still compared through the same-named Conv node. Nothing is one-sided.
        XCTAssertFalse(r.stdout.contains("not compared"), r.stdout)

        let report = try json(js)
        XCTAssertEqual(report["pairs"] as? [String], ["float.onnx vs model.onnx"])
        XCTAssertEqual(report["compared"] as? [String: String], ["reference": "float.onnx", "candidate": "model.onnx"])
        let layers = report["layers"] as! [[String: Any]]
        func layer(_ name: String) -> [String: Any]? { layers.first { $0["name"] as? String == name } }
        // Each float tensor is compared with the DequantizeLinear output that carries it in the QDQ file.
        let relu1 = try XCTUnwrap(layer("relu1"))
        XCTAssertEqual(relu1["tensors"] as? [String: String],
                       ["float.onnx": "relu1", "model.onnx": "relu1_DequantizeLinear_Output"])
        XCTAssertEqual(layer("conv1")?["tensors"] as? [String: String],
                       ["float.onnx": "conv1", "model.onnx": "relu1_before_relu"])
        for name in ["conv2", "relu1", "relu2", "residual", "pool", "flatten", "fc"] {
            let metrics = try XCTUnwrap(layer(name)?["metrics"] as? [String: Any], name)
            let acc = try XCTUnwrap((metrics["float.onnx vs model.onnx"] as? [String: Any])?["accumulated"] as? [String: Any], name)
            let cosine = try XCTUnwrap(acc["cosine"] as? Double)
            XCTAssertGreaterThan(cosine, 0.999, name)
            XCTAssertLessThan(cosine, 1, "\(name): quantized, so not identical")
            let iso = try XCTUnwrap((metrics["float.onnx vs model.onnx"] as? [String: Any])?["isolated"] as? [String: Any], name)
            XCTAssertGreaterThan(try XCTUnwrap(iso["cosine"] as? Double), 0.999, "\(name) isolated")
        }
        XCTAssertNil(layer("conv1")?["note"])
        let output = try XCTUnwrap((report["outputs"] as? [[String: Any]])?.first)
        XCTAssertEqual(output["name"] as? String, "logits")

        let csvText = try String(contentsOfFile: csv, encoding: .utf8)
        XCTAssertTrue(csvText.hasPrefix("float.onnx Node,model.onnx Node,Cosine Similarity"), csvText)
        XCTAssertTrue(csvText.contains("relu2,relu2_DequantizeLinear_Output,"), csvText)
        XCTAssertTrue(csvText.contains("conv2,relu2_before_relu,"), csvText)
        let htmlText = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(htmlText.contains("float.onnx vs model.onnx cosine"), "HTML column header")
    }

    func testAModelAgainstItselfHasCosineOneEverywhere() throws {
        let r = try CLI.run(["compare", floatModel, floatModel, "--input", input, "--json"])
        XCTAssertEqual(r.code, 0, r.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let pair = try XCTUnwrap((report["pairs"] as? [String])?.first)
        XCTAssertEqual(pair, "float.onnx (A) vs float.onnx (B)", "equal labels are told apart")
        let layers = report["layers"] as! [[String: Any]]
        XCTAssertEqual(layers.count, try ModelLoader.load(path: floatModel).graph.nodes.count)
        for l in layers {
            let acc = try XCTUnwrap(((l["metrics"] as? [String: Any])?[pair] as? [String: Any])?["accumulated"] as? [String: Any],
                                    "\(l["name"] ?? "?") compared")
            XCTAssertEqual(acc["cosine"] as? Double, 1, "\(l["name"] ?? "?")")
            XCTAssertEqual(acc["maxAbsError"] as? Double, 0)
            let iso = try XCTUnwrap(((l["metrics"] as? [String: Any])?[pair] as? [String: Any])?["isolated"] as? [String: Any])
            XCTAssertEqual(iso["cosine"] as? Double, 1, "\(l["name"] ?? "?") isolated")
        }
        XCTAssertEqual((report["suspicious"] as? [Any])?.count, 0)
    }

    func testSyntheticInputsAreAnnounced() throws {
        let r = try CLI.run(["compare", floatModel, qdqModel])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("pseudo-random"), r.stderr)
        XCTAssertTrue(r.stdout.contains("inputs: pseudo-random, 1 sample"), r.stdout)
    }

    func testEvalDirectoryGivesSeveralSamples() throws {
        let eval = dir.appendingPathComponent("eval")
        try FileManager.default.createDirectory(at: eval, withIntermediateDirectories: true)
        for i in 0..<3 {
            let t = try SyntheticInput.make(shape: [1, 3, 16, 16], dtype: .float, seed: UInt64(40 + i))
            try Npy.write(t, to: eval.appendingPathComponent("s\(i).npy").path)
        }
        let r = try CLI.run(["compare", floatModel, qdqModel, "--eval", eval.path, "--eval-samples", "2"])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("inputs: directory \(eval.path), 2 samples"), r.stdout)
    }

    func testMissingCandidateIsNamed() throws {
        let missing = dir.appendingPathComponent("missing_b.onnx").path
        let r = try CLI.run(["compare", floatModel, missing])
        XCTAssertEqual(r.code, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains(missing) && r.stderr.contains("no such file"), r.stderr)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
    }

    func testCandidateWithAnotherInputNameIsNamed() throws {
        // y = Relu(x): its input is 'x', the fixture's is 'input'.
        let other = dir.appendingPathComponent("other.onnx")
        try ProtoBuilder.write(ProtoBuilder.model(nodes: [ProtoBuilder.node("Relu", ["x"], ["y"], name: "relu")],
                                                  inputs: [ProtoBuilder.valueInfo("x", [1, 3, 16, 16])],
                                                  outputs: [ProtoBuilder.valueInfo("y", [1, 3, 16, 16])]), to: other)
        let r = try CLI.run(["compare", floatModel, other.path, "--input", input])
        XCTAssertEqual(r.code, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("input 'x'") && r.stderr.contains("other.onnx"), r.stderr)
    }
}

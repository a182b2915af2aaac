import Engine
import Foundation
import XCTest

/// `qscope analyze` and `qscope export` on the generated test model, as a user runs them.
final class AnalyzeCommandTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var fixture: String { CLI.fixture("ops_cover.onnx") }

    func writeSamples(_ n: Int) throws -> String { try CLI.writeSamples(in: dir, count: n, seed: 100) }

    func testReportsAgreeAcrossFormatsAndNameEveryNode() throws {
        let cal = try writeSamples(6)
        let csv = dir.appendingPathComponent("r.csv").path, json = dir.appendingPathComponent("r.json").path
        let html = dir.appendingPathComponent("r.html").path, methods = dir.appendingPathComponent("m.json").path
        let r = try CLI.run(["analyze", fixture, "--calib", cal, "--method", "all", "--eval-samples", "2",
                             "--report", csv, "--report", json, "--report", html, "--json", methods])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("only 6 calibration samples"), "the too-few-samples warning: \(r.stderr)")
        for m in ["max", "kl", "percentile", "mse"] { XCTAssertTrue(r.stdout.contains("method \(m)"), r.stdout) }

        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        let layers = report["layers"] as! [[String: Any]]
        let csvText = try String(contentsOfFile: csv, encoding: .utf8)
        let htmlText = try String(contentsOfFile: html, encoding: .utf8)
        let model = try ModelLoader.load(path: fixture)
        XCTAssertEqual(layers.count, model.graph.nodes.count)
        for node in model.graph.nodes {
            XCTAssertTrue(layers.contains { ($0["name"] as? String) == node.name }, "\(node.name) missing from JSON")
            XCTAssertTrue(csvText.contains(node.name), "\(node.name) missing from CSV")
            XCTAssertTrue(htmlText.contains(node.name), "\(node.name) missing from HTML")
        }
        XCTAssertTrue(htmlText.contains("<svg"))

        let perMethod = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: methods))) as! [String: Any]
        let timings = perMethod["timings"] as! [String: Any]
        XCTAssertNotNil(timings["float_pass_s"] as? Double)
        for key in ["recompute_s", "quantized_s", "hybrid_s", "isolated_s"] {
            XCTAssertEqual(Set((timings[key] as! [String: Any]).keys), ["max", "kl", "percentile", "mse"], key)
        }
        let maxMethod = (perMethod["methods"] as! [String: Any])["max"] as! [String: Any]
        let cosine = maxMethod["output_cosine"] as! Double
        XCTAssertGreaterThan(cosine, 0.9)
        XCTAssertLessThanOrEqual(cosine, 1.0)

        // The optimized and hybrid stages, with every node's placement and a reason for each CPU node.
        let optimized = perMethod["optimized"] as! [String: Any]
        XCTAssertGreaterThan(optimized["output_cosine"] as! Double, 0.9999, "the passes barely change numbers")
        let hybrid = maxMethod["hybrid"] as! [String: Any]
        XCTAssertGreaterThan(hybrid["quantized_output_cosine"] as! Double, 0.9)
        XCTAssertGreaterThan(hybrid["output_cosine"] as! Double, 0.9)
        let partition = hybrid["partition"] as! [String: [String: Any]]
        // The hybrid stage runs the optimized graph: folded nodes are gone, every Conv is placed.
        XCTAssertGreaterThan(partition.count, model.graph.nodes.count / 2)
        for conv in model.graph.nodes where conv.opType == "Conv" { XCTAssertNotNil(partition[conv.name], conv.name) }
        XCTAssertTrue(partition.values.contains { $0["placement"] as? String == "ACC" })
        for (node, entry) in partition where entry["placement"] as? String == "CPU" {
            XCTAssertFalse((entry["reason"] as? String ?? "").isEmpty, "\(node) is on the CPU without a reason")
        }
    }

    func testShapeFlagReachesTheAnalysis() throws {
        let cal = try writeSamples(2)
        let r = try CLI.run(["analyze", fixture, "--calib", cal, "--shape", "imgae=1x3x8x8"])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("'imgae'") && r.stderr.contains("no such input"), r.stderr)
    }

    func testStagesQuantizedSkipsHybridAndIsolatedButKeepsTheQuantizedComparison() throws {
        let cal = try writeSamples(3)
        func cosineAndTimings(_ extra: [String]) throws -> (Double, [String: Any]) {
            let out = dir.appendingPathComponent("s\(extra.count).json").path
            let r = try CLI.run(["analyze", fixture, "--calib", cal, "--eval-samples", "2", "--method", "kl", "--json", out] + extra)
            XCTAssertEqual(r.code, 0, r.stderr)
            let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [String: Any]
            let kl = (doc["methods"] as! [String: Any])["kl"] as! [String: Any]
            return (kl["output_cosine"] as! Double, doc["timings"] as! [String: Any])
        }
        let (full, _) = try cosineAndTimings([])
        let (quantized, timings) = try cosineAndTimings(["--stages", "quantized"])
        XCTAssertEqual(quantized, full)
        for key in ["hybrid_s", "isolated_s"] { XCTAssertEqual((timings[key] as! [String: Any])["kl"] as? Double, 0, key) }
        let bad = try CLI.run(["analyze", fixture, "--calib", cal, "--stages", "fast"])
        XCTAssertEqual(bad.code, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--stages"), bad.stderr)
    }

    func testFailBelowGatesOnTheOutputCosine() throws {
        let cal = try writeSamples(3)
        let pass = try CLI.run(["analyze", fixture, "--calib", cal, "--eval-samples", "1", "--fail-below=-1"])
        XCTAssertEqual(pass.code, 0, pass.stderr)
        let fail = try CLI.run(["analyze", fixture, "--calib", cal, "--eval-samples", "1", "--fail-below", "1.01"])
        XCTAssertEqual(fail.code, 1, fail.stderr)
        XCTAssertTrue(fail.stderr.contains("below --fail-below"), fail.stderr)
    }

    func testExportWritesAQDQModelThatLoadsBack() throws {
        let cal = try writeSamples(3)
        let out = dir.appendingPathComponent("q.onnx").path
        let r = try CLI.run(["export", fixture, "--calib", cal, "--eval-samples", "1", "-o", out])
        XCTAssertEqual(r.code, 0, r.stderr)
        let q = try ModelLoader.load(path: out)
        XCTAssertTrue(q.graph.nodes.contains { $0.opType == "QuantizeLinear" })
        XCTAssertTrue(q.graph.nodes.contains { $0.opType == "DequantizeLinear" && $0.attributes["axis"] != nil })
        XCTAssertGreaterThanOrEqual(q.opset, 13)
        XCTAssertTrue(QDQImporter.isQDQ(q))
    }

    func testMissingCalibrationDirectoryIsNamed() throws {
        let r = try CLI.run(["analyze", fixture, "--calib", dir.appendingPathComponent("nope").path])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("nope") && r.stderr.contains("no such directory"), r.stderr)
    }

    func testUnknownConfigKeySuggestsTheNearest() throws {
        let cfg = dir.appendingPathComponent("c.yaml")
        try "calibration_typ: kl\n".write(to: cfg, atomically: true, encoding: .utf8)
        let r = try CLI.run(["analyze", fixture, "--config", cfg.path])
        XCTAssertEqual(r.code, 2)
        XCTAssertTrue(r.stderr.contains("'calibration_typ'") && r.stderr.contains("'calibration_type'"), r.stderr)
    }
}

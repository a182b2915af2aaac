import Engine
import Foundation
import XCTest

/// Opening a model that is already QDQ-quantized (here by ONNX Runtime's quantize_static): its own scales are
/// the quantized stage, compared with the float model recovered underneath.
final class QDQModelTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var fixture: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/ort_qdq/model.onnx").path
    }

    /// Standard-normal samples, the distribution the fixture was calibrated on.
    func writeSamples(_ n: Int) throws -> String {
        let cal = dir.appendingPathComponent("cal")
        try FileManager.default.createDirectory(at: cal, withIntermediateDirectories: true)
        for i in 0..<n {
            let u = try SyntheticInput.make(shape: [2, 3, 16, 16], dtype: .float, seed: UInt64(500 + i)).floats()
            // Box-Muller from pairs of uniforms.
            let half = u.count / 2
            let v = (0..<half).map { k -> Float in
                let a = max(u[k], 1e-7), b = u[half + k]
                return (-2 * log(a)).squareRoot() * cos(2 * .pi * b)
            }
            try Npy.write(Tensor(shape: [1, 3, 16, 16], floats: v), to: cal.appendingPathComponent("s\(i).npy").path)
        }
        return cal.path
    }

    func outputCosines(_ json: String) throws -> [String: Double] {
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
        let methods = doc["methods"] as! [String: Any]
        return methods.mapValues { ($0 as! [String: Any])["output_cosine"] as! Double }
    }

    func testAnalyzeUsesTheModelsOwnScalesAgainstTheRecoveredFloatModel() throws {
        let cal = try writeSamples(8)
        let json = dir.appendingPathComponent("m.json").path, report = dir.appendingPathComponent("r.json").path
        let r = try CLI.run(["analyze", fixture, "--calib", cal, "--eval-samples", "4", "--json", json, "--report", report])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("already QDQ-quantized"), r.stderr)
        XCTAssertTrue(r.stdout.contains("method imported"), r.stdout)
        let cos = try outputCosines(json)
        XCTAssertEqual(Set(cos.keys), ["imported"])
        // ONNX Runtime's own quantized output is within 0.99997 of the original float model on such data.
        XCTAssertGreaterThan(cos["imported"]!, 0.999)
        // The layers are the float model's: the Relus the quantizer folded into Q/DQ pairs are back.
        let layers = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as! [String: Any])["layers"] as! [[String: Any]]
        XCTAssertEqual(layers.filter { ($0["op"] as? String) == "Relu" }.count, 2)
        XCTAssertFalse(layers.contains { ($0["op"] as? String)?.hasSuffix("QuantizeLinear") ?? false })
    }

    func testAMethodFlagAlsoRecalibratesTheRecoveredModel() throws {
        let cal = try writeSamples(8)
        let json = dir.appendingPathComponent("m.json").path
        let r = try CLI.run(["analyze", fixture, "--calib", cal, "--eval-samples", "2", "--method", "all", "--json", json])
        XCTAssertEqual(r.code, 0, r.stderr)
        let cos = try outputCosines(json)
        XCTAssertEqual(Set(cos.keys), ["imported", "max", "kl", "percentile", "mse"])
        for (method, c) in cos { XCTAssertGreaterThan(c, 0.9, method) }
    }

    func testExportingAQDQModelWritesItsOwnQuantizationAgain() throws {
        let cal = try writeSamples(4)
        let out = dir.appendingPathComponent("again.onnx").path
        let r = try CLI.run(["export", fixture, "--calib", cal, "--eval-samples", "1", "-o", out])
        XCTAssertEqual(r.code, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("imported"), r.stdout)
        let again = try ModelLoader.load(path: out)
        XCTAssertTrue(QDQImporter.isQDQ(again))
        let reimported = try QDQImporter.recover(again)
        let original = try QDQImporter.recover(try ModelLoader.load(path: fixture))
        // Same grids: the exporter may write an int8 grid with zero point -128 as uint8 with zero point 0.
        XCTAssertEqual(Set(reimported.activationParams.keys), Set(original.activationParams.keys))
        for (name, p) in original.activationParams {
            XCTAssertEqual(reimported.activationParams[name]?.scale, p.scale, name)
            XCTAssertEqual(reimported.activationRanges[name], original.activationRanges[name], name)
        }
    }
}

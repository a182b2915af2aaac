import Engine
import Foundation
import XCTest

/// Runs the committed fixtures made by scripts/gen_test_model.py (see Tests/Fixtures/README.md) and compares
/// with onnxruntime's outputs stored beside them.
final class GeneratedModelTests: XCTestCase {
    /// Every operator family in one small CNN-like model.
    func testOpsCoverModelMatchesOnnxRuntime() throws {
        let dir = ModelCheck.fixtures
        let outputs = ModelCheck.numberedFiles(dir, prefix: "ops_cover_output_")
        XCTAssertEqual(outputs.count, 4, "expected the four ops_cover_output_K.pb fixtures in \(dir.path)")
        ModelCheck.runAndCompare(model: dir.appendingPathComponent("ops_cover.onnx").path,
                                 inputFiles: [dir.appendingPathComponent("ops_cover_input.pb")],
                                 outputFiles: outputs, label: "ops_cover.onnx")
    }

    /// The fixture uses the operators it claims to: a guard against the generator silently dropping one.
    func testOpsCoverModelUsesEveryOperatorFamily() throws {
        let model = try ModelLoader.load(path: ModelCheck.fixtures.appendingPathComponent("ops_cover.onnx").path)
        let used = Set(model.graph.nodes.map(\.opType))
        // Constant nodes are folded into initializers at load time, so they do not appear here.
        let expected = ["Conv", "BatchNormalization", "Relu", "PRelu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid",
                        "HardSwish", "Tanh", "Softmax", "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm", "MatMul",
                        "Add", "Sub", "Mul", "Div", "Concat", "Split", "Slice", "Reshape", "Flatten", "Transpose",
                        "Squeeze", "Unsqueeze", "Shape", "Gather", "ConstantOfShape", "Resize", "Pad", "ReduceMean",
                        "ConvTranspose", "LayerNormalization", "Where", "Equal", "Expand", "Tile", "DepthToSpace",
                        "Cast", "Erf", "Exp", "Log", "Sqrt", "Pow", "Identity", "Dropout", "InstanceNormalization"]
        XCTAssertEqual(Set(expected).subtracting(used), [], "operators missing from ops_cover.onnx")
        XCTAssertTrue(model.graph.nodes.contains { $0.opType == "Conv" && (try? $0.int("group")) == 8 }, "depthwise Conv")
        XCTAssertTrue(model.graph.nodes.contains { $0.opType == "Conv" && (try? $0.ints("dilations")) == [2, 2] }, "dilated Conv")
        XCTAssertEqual(Set(model.graph.nodes.filter { $0.opType == "Resize" }.compactMap { try? $0.string("mode") }),
                       ["nearest", "linear"])
        XCTAssertEqual(model.graph.inputs.map(\.name), ["input"])
        XCTAssertEqual(model.graph.inputs.first?.dims, [.fixed(1), .fixed(3), .fixed(32), .fixed(32)])
    }

    /// A model whose weights live in an external-data file beside it.
    func testExternalDataModelMatchesOnnxRuntime() throws {
        let dir = ModelCheck.fixtures.appendingPathComponent("external")
        let path = dir.appendingPathComponent("model.onnx").path
        // The weights themselves must come from weights.bin, whatever the operators do.
        let model = try ModelLoader.load(path: path)
        XCTAssertEqual(model.graph.initializers["ext_w"]?.shape, [4, 3])
        XCTAssertEqual(model.graph.initializers["ext_b"]?.shape, [3])
        let weights = try Data(contentsOf: dir.appendingPathComponent("weights.bin"))
        XCTAssertEqual(weights.count, (12 + 3) * 4)
        let w = try XCTUnwrap(model.graph.initializers["ext_w"]).floats()
        let b = try XCTUnwrap(model.graph.initializers["ext_b"]).floats()
        XCTAssertEqual(TensorProtoCodec.rawBytes(.float(w + b)), weights, "external weights differ from weights.bin")

        ModelCheck.runAndCompare(model: path, inputFiles: [dir.appendingPathComponent("input_0.pb")],
                                 outputFiles: [dir.appendingPathComponent("output_0.pb")], label: "external/model.onnx")
    }

    /// The comparison these tests rely on.
    func testComparisonHelper() {
        let ref = Tensor(shape: [3], floats: [10, -20, 0])
        XCTAssertNil(ModelCheck.compare(ref, ref, tolerance: 1e-4))
        XCTAssertNil(ModelCheck.compare(Tensor(shape: [3], floats: [10.0015, -20, 0.0019]), ref, tolerance: 1e-4))
        XCTAssertNotNil(ModelCheck.compare(Tensor(shape: [3], floats: [10, -20, 0.003]), ref, tolerance: 1e-4))
        XCTAssertNotNil(ModelCheck.compare(Tensor(shape: [1, 3], floats: [10, -20, 0]), ref, tolerance: 1e-4))
        XCTAssertNotNil(ModelCheck.compare(Tensor(shape: [3], floats: [.nan, -20, 0]), ref, tolerance: 1e-4))
        let inf = Tensor(shape: [2], floats: [.infinity, .nan])
        XCTAssertNil(ModelCheck.compare(inf, inf, tolerance: 1e-4))
        XCTAssertNotNil(ModelCheck.compare(Tensor(shape: [2], floats: [-.infinity, .nan]), inf, tolerance: 1e-4))
        XCTAssertNotNil(ModelCheck.compare(Tensor(shape: [2], int64s: [1, 2]), Tensor(shape: [2], int64s: [1, 3]), tolerance: 1))
        XCTAssertEqual(ModelCheck.argmax(Tensor(shape: [2, 3], floats: [0, 5, 1, 9, 2, 3]), row: 1), 0)
        XCTAssertEqual(ModelCheck.argmax(Tensor(shape: [2, 3], floats: [0, 5, 1, 9, 2, 3]), row: 0), 1)
    }
}

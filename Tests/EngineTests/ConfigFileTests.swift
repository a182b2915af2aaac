import XCTest
@testable import Engine

/// Config-file values that depend on one another.
final class ConfigFileTests: XCTestCase {
    func testRuntimeInputTypeDefaultsToTheTrainingOne() throws {
        let gray = try ConfigFile.parse("input_parameters:\n  input_type_train: gray\n  norm_type: no_preprocess")
        XCTAssertEqual(gray.preprocess.inputTypeTrain, .gray)
        XCTAssertEqual(gray.preprocess.inputTypeRuntime, .gray, "input_type_rt defaults to input_type_train")
        let given = try ConfigFile.parse("input_parameters:\n  input_type_train: rgb\n  input_type_rt: bgr")
        XCTAssertEqual(given.preprocess.inputTypeRuntime, .bgr, "a given input_type_rt wins")
    }

    func testAShapeForAnInputTheModelLacksIsNamed() throws {
        let input = ValueInfo(name: "image", elementType: 1, dims: [.symbolic("N"), .fixed(3)])
        let model = Model(graph: Graph(name: "g", nodes: [], initializers: [:], inputs: [input], outputs: []),
                          opsets: ["": 13])
        XCTAssertEqual(try AnalysisData.resolvedShapes(["": [1, 3]], model: model), ["image": [1, 3]])
        XCTAssertThrowsError(try AnalysisData.resolvedShapes(["imgae": [1, 3]], model: model)) { error in
            XCTAssertTrue("\(error)".contains("'imgae'") && "\(error)".contains("'image'"), "\(error)")
        }
    }

    private func message(_ yaml: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        calibErrorMessage({ _ = try ConfigFile.parse(yaml, path: "q.yaml") }, file: file, line: line)
    }

    func testSizesAreExactlyNOrNxM() throws {
        XCTAssertEqual(try ConfigFile.parse("resize: 256").preprocess.resize, .shortSide(256))
        XCTAssertEqual(try ConfigFile.parse("resize: \"224x160\"").preprocess.resize, .exact(height: 224, width: 160))
        XCTAssertEqual(try ConfigFile.parse("resize: [224, 160]").preprocess.resize, .exact(height: 224, width: 160))
        XCTAssertEqual(try ConfigFile.parse("center_crop: 224x200").preprocess.centerCrop?.width, 200)
        for bad in ["10x", "x10", "256x", "256xx256", "\"256 256\"", "0", "1x2x3", "[224, 224, 3]", "[true, 2]"] {
            let m = message("resize: \(bad)")
            XCTAssertTrue(m.contains("'q.yaml'") && m.contains("key 'resize'"), "resize: \(bad) -> \(m)")
        }
        XCTAssertTrue(message("center_crop: 224x").contains("key 'center_crop'"))
        XCTAssertTrue(message("input_shape: 1x3x").contains("key 'input_shape'"))
        XCTAssertEqual(try ConfigFile.parse("input_shape: 1x3x8x8").inputShapes, ["": [1, 3, 8, 8]])
    }

    func testNormTypeFollowsTheValuesGivenWhenItIsNot() throws {
        let both = try ConfigFile.parse("mean_value: 127 127 127\nscale_value: 0.5")
        XCTAssertEqual(both.preprocess.normType, .dataMeanAndScale)
        XCTAssertEqual(try ConfigFile.parse("mean_value: 127").preprocess.normType, .dataMean)
        XCTAssertEqual(try ConfigFile.parse("scale_value: [0.5, 0.5, 0.5]").preprocess.normType, .dataScale)
        XCTAssertEqual(try ConfigFile.parse("input_type_train: rgb").preprocess.normType, .noPreprocess)
        XCTAssertEqual(try ConfigFile.parse("norm_type: data_mean\nmean_value: 1").preprocess.normType, .dataMean)
    }

    func testANormTypeThatIgnoresAGivenValueIsAnError() {
        let none = message("norm_type: no_preprocess\nmean_value: 127\nscale_value: 0.5")
        XCTAssertTrue(none.contains("'q.yaml'") && none.contains("mean_value and scale_value")
                      && none.contains("data_mean_and_scale"), none)
        let mean = message("norm_type: data_mean\nmean_value: 1\nscale_value: 0.5")
        XCTAssertTrue(mean.contains("does not apply scale_value") && mean.contains("data_mean_and_scale"), mean)
    }
}

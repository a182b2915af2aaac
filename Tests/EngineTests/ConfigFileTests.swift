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
}

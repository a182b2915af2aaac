import Engine
import XCTest
@testable import TUI

final class LayerInfoBuilderTests: XCTestCase {
    func testGraphOrderProducersConsumers() throws {
        let layers = try LayerInfoBuilder.build(model: TUIFixtures.model(), shapes: TUIFixtures.shapes)
        XCTAssertEqual(layers.map(\.name), ["conv1", "relu1", "conv2", "block1/add_with_a_rather_long_name",
                                            "pool", "flatten", "fc", "softmax"])
        XCTAssertEqual(layers.map(\.index), Array(0..<8))
        XCTAssertEqual(layers[0].producers, [nil, nil, nil])
        XCTAssertEqual(layers[0].constantShapes, ["w1": "4x3x3x3", "b1": "4"])
        XCTAssertEqual(layers[1].consumers, [2, 3])
        XCTAssertEqual(layers[3].producers, [1, 2])
        XCTAssertEqual(layers[3].producerLayers, [1, 2])
        XCTAssertEqual(layers[7].consumers, [])
        XCTAssertEqual(layers[0].outputShape, "1x4x8x8")
        XCTAssertNil(layers[0].cosine(StagePair(.float, .quantized)), "no metric before Diff runs")
    }

    func testTopologicalOrderNotFileOrder() throws {
        var model = TUIFixtures.model()
        model.graph.nodes.swapAt(0, 1)      // relu1 before conv1 in the file
        let layers = try LayerInfoBuilder.build(model: model)
        XCTAssertEqual(layers.prefix(2).map(\.name), ["conv1", "relu1"])
        XCTAssertEqual(layers[1].producers, [0])
    }

    func testDeclaredOutputShapeWhenNothingRecorded() throws {
        let layers = try LayerInfoBuilder.build(model: TUIFixtures.model())
        XCTAssertEqual(layers[0].outputShape, "?")
        XCTAssertEqual(layers[7].outputShape, "Nx10")
    }

    func testAttributesRendered() throws {
        let layers = try LayerInfoBuilder.build(model: TUIFixtures.model())
        XCTAssertEqual(layers[0].attributes, ["kernel_shape = [3, 3]", "pads = [1, 1, 1, 1]", "strides = [1, 1]"])
        XCTAssertEqual(layers[6].attributes, ["alpha = 1", "transB = 1"])
        let long = Node(name: "n", opType: "X", inputs: [], outputs: [],
                        attributes: ["v": .ints(Array(0..<20)), "s": .string("nearest"), "t": .tensor(Tensor(shape: [2, 3], floats: Array(repeating: 0, count: 6)))])
        XCTAssertEqual(LayerInfoBuilder.attributeLines(long),
                       ["s = \"nearest\"", "t = tensor float [2x3]", "v = [0, 1, 2, 3, 4, 5, 6, 7, … (20)]"])
    }

    func testPerChannelWeightRanges() throws {
        let w = Tensor(shape: [2, 1, 1, 2], floats: [-1, 3, 0.5, 0.25])
        let node = Node(name: "c", opType: "Conv", inputs: ["x", "w"], outputs: ["y"])
        let graph = Graph(name: "g", nodes: [node], initializers: ["w": w],
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: nil)], outputs: [ValueInfo(name: "y", elementType: 1, dims: nil)])
        let layers = try LayerInfoBuilder.build(model: Model(graph: graph, opsets: ["": 17]))
        XCTAssertEqual(layers[0].channelRanges, [-1...3, 0.25...0.5])
    }

    func testCycleIsAnError() {
        let nodes = [Node(name: "a", opType: "Relu", inputs: ["b_out"], outputs: ["a_out"]),
                     Node(name: "b", opType: "Relu", inputs: ["a_out"], outputs: ["b_out"])]
        let graph = Graph(name: "g", nodes: nodes, initializers: [:], inputs: [], outputs: [ValueInfo(name: "b_out", elementType: 1, dims: nil)])
        XCTAssertThrowsError(try LayerInfoBuilder.build(model: Model(graph: graph, opsets: ["": 17])))
    }
}

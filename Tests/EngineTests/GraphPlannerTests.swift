@testable import Engine
import XCTest

final class GraphPlannerTests: XCTestCase {
    func graph(_ nodes: [Node], inputs: [String] = ["x"], initializers: [String: Tensor] = [:]) -> Graph {
        Graph(name: "g", nodes: nodes, initializers: initializers,
              inputs: inputs.map { ValueInfo(name: $0, elementType: 1, dims: nil) },
              outputs: [ValueInfo(name: nodes.last?.outputs.first ?? "x", elementType: 1, dims: nil)])
    }

    func testOrdersProducersBeforeConsumersAndKeepsFileOrderOtherwise() throws {
        // File order lists the consumer first; independent nodes keep their file order.
        let nodes = [Node(name: "c", opType: "Add", inputs: ["a", "b"], outputs: ["c"]),
                     Node(name: "a", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                     Node(name: "b", opType: "Relu", inputs: ["x"], outputs: ["b"])]
        let order = try GraphPlanner.topologicalOrder(graph(nodes))
        XCTAssertEqual(order.map { nodes[$0].name }, ["a", "b", "c"])
    }

    func testCycleNamesTheNodes() {
        let nodes = [Node(name: "p", opType: "Add", inputs: ["x", "q"], outputs: ["p"]),
                     Node(name: "q", opType: "Relu", inputs: ["p"], outputs: ["q"]),
                     Node(name: "free", opType: "Relu", inputs: ["x"], outputs: ["r"])]
        XCTAssertThrowsError(try GraphPlanner.topologicalOrder(graph(nodes))) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("cycle") && text.contains("'p'") && text.contains("'q'"), text)
            XCTAssertFalse(text.contains("'free'"), text)
        }
    }

    func testMissingTensorNamesReaderAndTensor() {
        let nodes = [Node(name: "conv", opType: "Conv", inputs: ["x", "W"], outputs: ["y"])]
        XCTAssertThrowsError(try GraphPlanner.topologicalOrder(graph(nodes))) { e in
            XCTAssertTrue("\(e)".contains("'conv'") && "\(e)".contains("'W'"), "\(e)")
        }
    }

    func testDoubleProducerIsAnError() {
        let nodes = [Node(name: "a", opType: "Relu", inputs: ["x"], outputs: ["y"]),
                     Node(name: "b", opType: "Relu", inputs: ["x"], outputs: ["y"])]
        XCTAssertThrowsError(try GraphPlanner.topologicalOrder(graph(nodes))) { e in
            XCTAssertTrue("\(e)".contains("'y'") && "\(e)".contains("'a'") && "\(e)".contains("'b'"), "\(e)")
        }
    }

    func testOmittedOptionalInputsAreIgnored() throws {
        let nodes = [Node(name: "clip", opType: "Clip", inputs: ["x", "", "hi"], outputs: ["y"])]
        let order = try GraphPlanner.topologicalOrder(graph(nodes, initializers: ["hi": Tensor(scalar: 6)]))
        XCTAssertEqual(order, [0])
    }
}

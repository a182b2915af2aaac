import XCTest
@testable import Engine

/// Models of opsets 9-11 rewritten into opset-13 forms must compute the same: each is run at its own opset and
/// after the upgrade (where the engine reads every node by the opset-13 rules, as ONNX Runtime would).
final class OpsetUpgradeTests: XCTestCase {
    private func node(_ op: String, _ inputs: [String], _ outputs: [String], _ attrs: [String: AttributeValue] = [:]) -> Node {
        Node(name: "\(op)_\(outputs[0])", opType: op, inputs: inputs, outputs: outputs, attributes: attrs)
    }

    private func model(_ nodes: [Node], _ initializers: [String: Tensor] = [:], outputs: [String], opset: Int) -> Model {
        let graph = Graph(name: "g", nodes: nodes, initializers: initializers,
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: [.fixed(1), .fixed(3), .fixed(4), .fixed(6)])],
                          outputs: outputs.map { ValueInfo(name: $0, elementType: 1, dims: nil) })
        return Model(graph: graph, opsets: ["": opset])
    }

    /// Runs `original` and its upgrade on the same input and compares every output; returns the upgrade.
    @discardableResult
    private func assertSameResults(_ original: Model, file: StaticString = #filePath, line: UInt = #line) throws -> Model {
        let upgraded = try OpsetUpgrade.raiseTo13(original)
        XCTAssertEqual(upgraded.opset, 13, file: file, line: line)
        var rng = ConvSupport.Random(seed: 11)
        let x = Tensor(shape: [1, 3, 4, 6], floats: try rng.tensor([1, 3, 4, 6]).floats().map { $0 * 8 })
        let before = try Executor(model: original).run(["x": x])
        let after = try Executor(model: upgraded).run(["x": x])
        for name in original.graph.outputs.map(\.name) {
            ConvSupport.assertClose(after[name]!, before[name]!, tolerance: 1e-6, name, file: file, line: line)
        }
        return upgraded
    }

    func testAttributesThatBecameInputsAtOpset9() throws {
        let m = model([
            node("Clip", ["x"], ["c"], ["min": .float(-1), "max": .float(2)]),
            node("Pad", ["c"], ["p"], ["pads": .ints([0, 0, 1, 0, 0, 0, 0, 2]), "value": .float(0.5)]),
            node("Slice", ["p"], ["s"], ["starts": .ints([1, 0]), "ends": .ints([3, 7]), "axes": .ints([1, 3])]),
            node("Split", ["s"], ["a", "b"], ["axis": .int(3), "split": .ints([3, 4])]),
            node("Unsqueeze", ["a"], ["u"], ["axes": .ints([0])]),
            node("Squeeze", ["u"], ["q"], ["axes": .ints([0])]),
            node("ReduceSum", ["b"], ["r"], ["axes": .ints([3]), "keepdims": .int(1)]),
            node("Dropout", ["r"], ["d"], ["ratio": .float(0.3)]),
            node("Upsample", ["q", "scales"], ["up"], ["mode": .string("nearest")]),
        ], ["scales": Tensor(shape: [4], floats: [1, 1, 2, 3])], outputs: ["up", "d"], opset: 9)
        let upgraded = try assertSameResults(m)
        let ops = upgraded.graph.nodes.map(\.opType)
        XCTAssertFalse(ops.contains("Upsample"))
        for n in upgraded.graph.nodes {
            for key in ["min", "max", "pads", "value", "starts", "ends", "axes", "split", "ratio", "scales"] {
                XCTAssertNil(n.attributes[key], "\(n.opType) keeps attribute \(key) at opset 13")
            }
        }
    }

    func testClipWithoutBoundsKeepsOpset6Limits() throws {
        try assertSameResults(model([node("Clip", ["x"], ["y"])], outputs: ["y"], opset: 9))
    }

    func testSoftmaxBeforeOpset13NormalizesTheTrailingAxesTogether() throws {
        // axis 1 of a 4-D input: one distribution over C·H·W per image, not one per channel column.
        let m = model([
            node("Softmax", ["x"], ["s"], ["axis": .int(1)]),
            node("LogSoftmax", ["x"], ["l"]),
            node("Softmax", ["x"], ["last"], ["axis": .int(3)]),
        ], outputs: ["s", "l", "last"], opset: 11)
        try assertSameResults(m)
    }

    func testSoftmaxOverTheLastAxisOfAGraphOutputStaysOneNode() throws {
        var m = model([node("Flatten", ["x"], ["f"]), node("Softmax", ["f"], ["y"])], outputs: ["y"], opset: 11)
        m.graph.outputs = [ValueInfo(name: "y", elementType: 1, dims: [.fixed(1), .fixed(72)])]
        let upgraded = try assertSameResults(m)
        XCTAssertEqual(upgraded.graph.nodes.map(\.opType), ["Flatten", "Softmax"])
    }

    func testResize10RoundsByTheDirectionOfItsScales() throws {
        let up = model([node("Resize", ["x", "s"], ["y"], ["mode": .string("nearest")])],
                       ["s": Tensor(shape: [4], floats: [1, 1, 1.5, 2.5])], outputs: ["y"], opset: 10)
        let down = model([node("Resize", ["x", "s"], ["y"], ["mode": .string("nearest")])],
                         ["s": Tensor(shape: [4], floats: [1, 1, 0.75, 0.5])], outputs: ["y"], opset: 10)
        let linear = model([node("Resize", ["x", "s"], ["y"], ["mode": .string("linear")])],
                           ["s": Tensor(shape: [4], floats: [1, 1, 2, 0.5])], outputs: ["y"], opset: 10)
        let mixed = model([node("Resize", ["x", "s"], ["y"], ["mode": .string("nearest")])],
                          ["s": Tensor(shape: [4], floats: [1, 1, 2, 0.5])], outputs: ["y"], opset: 10)
        for m in [up, down, linear] { try assertSameResults(m) }
        // Nearest that enlarges one axis and shrinks another needs two rounding rules: no opset-13 form.
        XCTAssertThrowsError(try OpsetUpgrade.raiseTo13(mixed)) { error in
            XCTAssertTrue("\(error)".contains("Resize_y") && "\(error)".contains("shrinks"), "\(error)")
        }
    }

    func testModelsAtOpset13AreUnchanged() throws {
        let m = model([node("Softmax", ["x"], ["y"], ["axis": .int(1)])], outputs: ["y"], opset: 13)
        let same = try OpsetUpgrade.raiseTo13(m)
        XCTAssertEqual(same.graph.nodes.map(\.opType), ["Softmax"])
        XCTAssertEqual(try same.graph.nodes[0].int("axis"), 1)
    }
}

@testable import Engine
import Foundation
import XCTest

/// End to end: the optimized model computes the same outputs (and the same surviving tensors) as the
/// original on random inputs, and every tensor of the original either survives by name or is mapped.
final class PassesNumericTests: XCTestCase {
    typealias F = PassesFixture

    /// Conv+BN+Relu, grouped Conv+BN+Clip, ConvTranspose+BN+Dropout, a Shape->Gather->Concat->Reshape chain,
    /// Gemm(transB)+BN behind an Identity graph output, MatMul+Relu.
    func syntheticModel() -> Model {
        var rng = F.Random(seed: 42)
        var inits: [String: Tensor] = [:]
        for (p, c) in [("bn1", 4), ("bn2", 4), ("bn3", 3), ("bn4", 10)] { inits.merge(F.bnParams(p, c, &rng)) { a, _ in a } }
        inits["W1"] = rng.tensor([4, 3, 3, 3]); inits["B1"] = rng.tensor([4])
        inits["W2"] = rng.tensor([4, 2, 2, 2])
        inits["W3"] = rng.tensor([4, 3, 2, 2]); inits["B3"] = rng.tensor([3])
        inits["Wg"] = rng.tensor([10, 108], -0.2, 0.2); inits["Cg"] = rng.tensor([10])
        inits["Wm"] = rng.tensor([108, 5], -0.2, 0.2)
        inits["lo"] = Tensor(scalar: -0.5); inits["hi"] = Tensor(scalar: 0.8)
        inits["idx"] = Tensor(shape: [1], int64s: [0]); inits["minus1"] = Tensor(shape: [1], int64s: [-1])
        let nodes = [
            Node(name: "conv1", opType: "Conv", inputs: ["x", "W1", "B1"], outputs: ["c1"]),
            F.bnNode("bn1", input: "c1", output: "n1"),
            Node(name: "relu1", opType: "Relu", inputs: ["n1"], outputs: ["r1"]),
            Node(name: "conv2", opType: "Conv", inputs: ["r1", "W2"], outputs: ["c2"], attributes: ["group": .int(2)]),
            F.bnNode("bn2", input: "c2", output: "n2"),
            Node(name: "clip2", opType: "Clip", inputs: ["n2", "lo", "hi"], outputs: ["k2"]),
            Node(name: "convt3", opType: "ConvTranspose", inputs: ["k2", "W3", "B3"], outputs: ["t3"]),
            F.bnNode("bn3", input: "t3", output: "n3"),
            Node(name: "drop3", opType: "Dropout", inputs: ["n3"], outputs: ["d3"]),
            Node(name: "shape", opType: "Shape", inputs: ["d3"], outputs: ["s"]),
            Node(name: "gather", opType: "Gather", inputs: ["s", "idx"], outputs: ["g"], attributes: ["axis": .int(0)]),
            Node(name: "concat", opType: "Concat", inputs: ["g", "minus1"], outputs: ["cat"], attributes: ["axis": .int(0)]),
            Node(name: "reshape", opType: "Reshape", inputs: ["d3", "cat"], outputs: ["f"]),
            Node(name: "gemm", opType: "Gemm", inputs: ["f", "Wg", "Cg"], outputs: ["gm"],
                 attributes: ["transB": .int(1), "alpha": .float(0.9), "beta": .float(1.1)]),
            F.bnNode("bn4", input: "gm", output: "n4"),
            Node(name: "identity", opType: "Identity", inputs: ["n4"], outputs: ["out"]),
            Node(name: "matmul", opType: "MatMul", inputs: ["f", "Wm"], outputs: ["mm"]),
            Node(name: "relu_mm", opType: "Relu", inputs: ["mm"], outputs: ["out2"]),
        ]
        return F.model(nodes, inputs: [("x", [1, 3, 8, 8])], outputs: ["out", "out2"], initializers: inits, opset: 13)
    }

    func testSyntheticModelKeepsItsOutputs() throws {
        let model = syntheticModel()
        try XCTSkipUnless(ModelCheck.unsupportedOperators(model).isEmpty,
                          "operators not merged yet: \(ModelCheck.unsupportedOperators(model))")
        let r = try PassManager.optimize(model, inputShapes: [:])
        XCTAssertEqual(r.model.graph.nodes.map(\.name), ["conv1", "conv2", "convt3", "reshape", "gemm", "matmul"])
        XCTAssertEqual(r.fusedInto, ["c1": "conv1", "n1": "conv1", "c2": "conv2", "n2": "conv2", "t3": "convt3",
                                     "d3": "convt3", "gm": "gemm", "n4": "gemm", "mm": "matmul"])
        // The folded shape chain survives as constants under its own names.
        XCTAssertEqual(r.model.graph.initializers["cat"]?.int64s(), [1, -1])
        XCTAssertEqual(r.foldedConstants, ["s", "g", "cat"])
        var rng = F.Random(seed: 7)
        try assertEquivalent(model, r, feeds: ["x": rng.tensor([1, 3, 8, 8])])
    }

    func testShapeChainsAndConstantSubgraphsFold() throws {
        let inits = ["last": Tensor(shape: [1], int64s: [2]), "zero_axis": Tensor(shape: [1], int64s: [0]),
                     "minus1": Tensor(shape: [1], int64s: [-1]), "k1": Tensor(shape: [3], floats: [1, 2, 3]),
                     "k2": Tensor(scalar: 0.5)]
        let nodes = [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                     Node(name: "shape", opType: "Shape", inputs: ["a"], outputs: ["s"]),
                     Node(name: "gather", opType: "Gather", inputs: ["s", "last"], outputs: ["g"]),
                     Node(name: "concat", opType: "Concat", inputs: ["minus1", "g"], outputs: ["shp"],
                          attributes: ["axis": .int(0)]),
                     Node(name: "reshape", opType: "Reshape", inputs: ["a", "shp"], outputs: ["r"]),
                     Node(name: "size", opType: "Size", inputs: ["x"], outputs: ["n"]),
                     Node(name: "cast", opType: "Cast", inputs: ["n"], outputs: ["nf"], attributes: ["to": .int(1)]),
                     Node(name: "kmul", opType: "Mul", inputs: ["k1", "k2"], outputs: ["k"]),
                     Node(name: "kadd", opType: "Add", inputs: ["k", "nf"], outputs: ["kn"]),
                     Node(name: "add", opType: "Add", inputs: ["r", "kn"], outputs: ["y"])]
        let model = F.model(nodes, inputs: [("x", [2, 2, 3])], outputs: ["y"], initializers: inits, opset: 13)
        try XCTSkipUnless(ModelCheck.unsupportedOperators(model).isEmpty,
                          "operators not merged yet: \(ModelCheck.unsupportedOperators(model))")
        let r = try PassManager.optimize(model, inputShapes: [:])
        XCTAssertEqual(r.model.graph.nodes.map(\.name), ["relu", "reshape", "add"])
        XCTAssertEqual(r.foldedConstants, ["s", "g", "shp", "n", "nf", "k", "kn"])
        XCTAssertEqual(r.model.graph.initializers["shp"]?.int64s(), [-1, 3])
        XCTAssertEqual(r.model.graph.initializers["kn"]?.asFloats(), [12.5, 13, 13.5])
        XCTAssertTrue(r.fusedInto.isEmpty)
        // Only what is still read (or folded from a node output) is kept.
        XCTAssertEqual(Set(r.model.graph.initializers.keys), r.foldedConstants)
        var rng = F.Random(seed: 3)
        try assertEquivalent(model, r, feeds: ["x": rng.tensor([2, 2, 3])])
    }

    func testOpsCoverFixtureKeepsItsOutputs() throws {
        let path = ModelCheck.fixtures.appendingPathComponent("ops_cover.onnx").path
        let model = try ModelLoader.load(path: path)
        try XCTSkipUnless(ModelCheck.unsupportedOperators(model).isEmpty,
                          "operators not merged yet: \(ModelCheck.unsupportedOperators(model))")
        let input = try TensorProtoCodec.read(path: ModelCheck.fixtures.appendingPathComponent("ops_cover_input.pb").path).tensor
        let r = try PassManager.optimize(model, inputShapes: ["input": input.shape])
        let passes = Set(r.log.map(\.pass))
        XCTAssertTrue(passes.isSuperset(of: ["constant-shapes", "fold-constants", "eliminate-identity",
                                             "fold-batchnorm", "fuse-activation"]), "\(r.log)")
        let ops = r.model.graph.nodes.map(\.opType)
        for gone in ["BatchNormalization", "Identity", "Dropout", "Shape", "Relu"] {
            XCTAssertFalse(ops.contains(gone), "\(gone) left in \(ops)")
        }
        XCTAssertEqual(r.fusedInto["c1"], "conv1")
        XCTAssertEqual(r.fusedInto["bn"], "conv1")
        XCTAssertEqual(r.fusedInto["lg"], "log")
        XCTAssertTrue(r.foldedConstants.isSuperset(of: ["ct_shape", "channels", "halves"]), "\(r.foldedConstants)")
        try assertEquivalent(model, r, feeds: ["input": input])
    }

    /// The float models in ../shared/assets (skipped when absent): optimized and original agree on the stored
    /// input of test_data_set_0.
    func testSharedFloatModelsKeepTheirOutputs() throws {
        guard let models = SharedAssetsTests.modelsDirectory else { throw XCTSkip("../shared/assets not found") }
        var checked = 0
        for name in SharedAssetsTests.knownModels.sorted() where !name.contains("int8") {
            let dir = models.appendingPathComponent(name)
            guard let model = try? ModelLoader.load(path: dir.appendingPathComponent("model.onnx").path),
                  ModelCheck.unsupportedOperators(model).isEmpty else { continue }
            let files = ModelCheck.numberedFiles(dir.appendingPathComponent("test_data_set_0"), prefix: "input_")
            guard files.count == model.graph.inputs.count else { continue }
            var feeds: [String: Tensor] = [:]
            for (info, file) in zip(model.graph.inputs, files) {
                feeds[info.name] = try TensorProtoCodec.read(path: file.path).tensor
            }
            let r = try PassManager.optimize(model, inputShapes: feeds.mapValues(\.shape))
            try assertEquivalent(model, r, feeds: feeds, tolerance: 1e-4)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 0, "no shared model could be checked")
    }

    func testFusedActivationRunsTheClampAfterTheOperator() throws {
        var rng = F.Random(seed: 11)
        let inits = ["W": rng.tensor([3, 2, 1, 1])]
        let clip: [String: AttributeValue] = [FusedActivation.activationKey: .string("Clip"),
                                              FusedActivation.minKey: .float(-0.25), FusedActivation.maxKey: .float(0.3)]
        let fused = F.model([Node(name: "conv", opType: "Conv", inputs: ["x", "W"], outputs: ["y"], attributes: clip)],
                            inputs: [("x", [1, 2, 3, 3])], outputs: ["y"], initializers: inits)
        try XCTSkipUnless(ModelCheck.unsupportedOperators(fused).isEmpty, "Conv not merged yet")
        let x = rng.tensor([1, 2, 3, 3])
        let got = try XCTUnwrap(try Executor(model: fused).run(["x": x])["y"])
        let want = try F.conv2d(x, inits["W"]!, nil, group: 1)
        XCTAssertEqual(got.shape, want.shape)
        XCTAssertTrue(zip(try got.floats(), try want.floats()).allSatisfy { abs($0 - min(max($1, -0.25), 0.3)) < 1e-5 })
        XCTAssertTrue(try got.floats().contains(0.3) && got.floats().contains(-0.25), "the clamp should bite")

        var bad = fused
        bad.graph.nodes[0].attributes[FusedActivation.activationKey] = .string("Sigmoid")
        XCTAssertThrowsError(try Executor(model: bad)) { XCTAssertTrue("\($0)".contains("Sigmoid"), "\($0)") }
    }

    /// Outputs equal within 1e-5 relative; every tensor of the original survives (same values) or is mapped
    /// to a node of the optimized graph; the optimized graph invents no tensors except folded weights.
    func assertEquivalent(_ original: Model, _ optimized: OptimizedModel, feeds: [String: Tensor],
                          tolerance: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = TensorRecorder(), after = TensorRecorder()
        let want = try Executor(model: original).run(feeds, observer: before)
        let got = try Executor(model: optimized.model).run(feeds, observer: after)
        XCTAssertEqual(Set(want.keys), Set(got.keys), file: file, line: line)
        for (name, w) in want {
            guard let g = got[name] else { continue }
            XCTAssertLessThan(F.relativeError(g, w, file: file, line: line), tolerance, "output \(name)", file: file, line: line)
        }
        let graph = optimized.model.graph
        let nodeNames = Set(graph.nodes.map(\.name))
        for (name, w) in before.tensors {
            if let g = after.tensors[name] {
                if w.dtype == .float {
                    XCTAssertLessThan(F.relativeError(g, w, file: file, line: line), tolerance, "tensor \(name)",
                                      file: file, line: line)
                }
            } else if let c = graph.initializers[name], optimized.foldedConstants.contains(name) {
                XCTAssertEqual(c.shape, w.shape, "folded \(name)", file: file, line: line)
                XCTAssertEqual(c.asFloats(), w.asFloats(), "folded \(name)", file: file, line: line)
            } else if let node = optimized.fusedInto[name] {
                XCTAssertTrue(nodeNames.contains(node), "\(name) fused into missing node \(node)", file: file, line: line)
            } else {
                XCTFail("tensor \(name) disappeared without a fusedInto entry", file: file, line: line)
            }
        }
        for name in after.tensors.keys {
            XCTAssertNotNil(before.tensors[name], "the optimized model produces a new tensor \(name)", file: file, line: line)
        }
        for name in optimized.fusedInto.keys {
            XCTAssertNil(after.tensors[name], "\(name) is mapped but still produced", file: file, line: line)
        }
    }
}

/// Shape constants hold for the input shapes they were computed from: the optimized model declares them.
final class SpecializedInputShapeTests: XCTestCase {
    private func model(withShapeChain: Bool) -> Model {
        var nodes = [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"])]
        if withShapeChain {
            nodes += [Node(name: "shape", opType: "Shape", inputs: ["a"], outputs: ["s"]),
                      Node(name: "reshape", opType: "Reshape", inputs: ["a", "s"], outputs: ["y"])]
        } else {
            nodes += [Node(name: "neg", opType: "Neg", inputs: ["a"], outputs: ["y"])]
        }
        let graph = Graph(name: "g", nodes: nodes, initializers: [:],
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: [.symbolic("N"), .fixed(3), .fixed(4)])],
                          outputs: [ValueInfo(name: "y", elementType: 1, dims: nil)])
        return Model(graph: graph, opsets: ["": 13])
    }

    func testFoldedShapesFixTheDynamicInputDimensions() throws {
        let r = try PassManager.optimize(model(withShapeChain: true), inputShapes: ["x": [2, 3, 4]])
        XCTAssertEqual(r.model.graph.inputs[0].dims, [.fixed(2), .fixed(3), .fixed(4)])
        XCTAssertTrue(r.log.contains { $0.summary.contains("input 'x'") && $0.summary.contains("2x3x4") }, "\(r.log)")
        // A batch the constants were not computed for is now refused up front, naming the input.
        let x5 = Tensor(shape: [5, 3, 4], floats: Array(repeating: 1, count: 60))
        XCTAssertThrowsError(try Executor(model: r.model).run(["x": x5])) { XCTAssertTrue("\($0)".contains("'x'"), "\($0)") }
    }

    func testWithoutShapeConstantsTheInputStaysDynamic() throws {
        let r = try PassManager.optimize(model(withShapeChain: false), inputShapes: ["x": [2, 3, 4]])
        XCTAssertEqual(r.model.graph.inputs[0].dims, [.symbolic("N"), .fixed(3), .fixed(4)])
    }
}

@testable import Engine
import XCTest

/// Structure of each pass on small in-memory graphs, and the BatchNorm folding arithmetic against naive
/// references. Numeric end-to-end checks with the executor are in PassesNumericTests.swift.
final class PassesTests: XCTestCase {
    typealias F = PassesFixture

    func testPassListIsInRunOrder() {
        XCTAssertEqual(PassManager.passes.map(\.name), ["constant-shapes", "fold-constants", "eliminate-identity",
                                                        "fold-batchnorm", "fuse-activation", "prune-initializers"])
        XCTAssertTrue(PassManager.passes.allSatisfy { !$0.description.isEmpty })
    }

    // MARK: Identity / Dropout

    func testIdentityAndDropoutAreRemovedAndNamesMapped() throws {
        let nodes = [Node(name: "r1", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                     Node(name: "id1", opType: "Identity", inputs: ["a"], outputs: ["b"]),
                     Node(name: "r2", opType: "Relu", inputs: ["b"], outputs: ["c"]),
                     Node(name: "drop", opType: "Dropout", inputs: ["c"], outputs: ["d", ""]),
                     Node(name: "r3", opType: "Relu", inputs: ["d"], outputs: ["e"]),
                     Node(name: "id2", opType: "Identity", inputs: ["e"], outputs: ["out"])]
        let m = F.model(nodes, inputs: [("x", [2])], outputs: ["out"])
        let r = try PassManager.optimize(m, inputShapes: [:], passes: [IdentityElimination()])
        let g = r.model.graph
        XCTAssertEqual(g.nodes.map(\.name), ["r1", "r2", "r3"])
        XCTAssertEqual(g.nodes.map(\.inputs), [["x"], ["a"], ["c"]])
        // The graph output keeps its name: r3 now writes it.
        XCTAssertEqual(g.nodes.map(\.outputs), [["a"], ["c"], ["out"]])
        XCTAssertEqual(r.fusedInto, ["b": "r1", "d": "r2", "e": "r3"])
        XCTAssertEqual(r.log.filter { $0.pass == "eliminate-identity" }.count, 3)
    }

    func testIdentityIsKeptWhenItCannotBeMapped() throws {
        let training = Tensor(shape: [], data: .bool([true]))
        let nodes = [Node(name: "id_in", opType: "Identity", inputs: ["x"], outputs: ["a"]),     // reads a graph input
                     Node(name: "r", opType: "Relu", inputs: ["a"], outputs: ["b"]),
                     Node(name: "drop_mask", opType: "Dropout", inputs: ["b"], outputs: ["c", "mask"]),
                     Node(name: "drop_train", opType: "Dropout", inputs: ["c", "", "t"], outputs: ["d"]),
                     Node(name: "id_out", opType: "Identity", inputs: ["d"], outputs: ["out"])]
        let m = F.model(nodes, inputs: [("x", [2])], outputs: ["out", "mask", "d"], initializers: ["t": training])
        let r = try PassManager.optimize(m, inputShapes: [:], passes: [IdentityElimination()])
        // id_out: both its input and output are graph outputs, so nothing can be renamed.
        XCTAssertEqual(r.model.graph.nodes.map(\.name), ["id_in", "r", "drop_mask", "drop_train", "id_out"])
        XCTAssertTrue(r.fusedInto.isEmpty)
    }

    // MARK: BatchNorm folding

    func testConvWithoutBiasBatchNormReluBecomesOneNode() throws {
        var rng = F.Random(seed: 1)
        var inits = F.bnParams("bn", 4, &rng)
        inits["W"] = rng.tensor([4, 3, 3, 3])
        let nodes = [Node(name: "conv", opType: "Conv", inputs: ["x", "W"], outputs: ["c"]),
                     F.bnNode("bn", input: "c", output: "n"),
                     Node(name: "id", opType: "Identity", inputs: ["n"], outputs: ["n2"]),
                     Node(name: "relu", opType: "Relu", inputs: ["n2"], outputs: ["y"])]
        let m = F.model(nodes, inputs: [("x", [1, 3, 6, 6])], outputs: ["y"], initializers: inits)
        let r = try PassManager.optimize(m, inputShapes: [:])
        let g = r.model.graph
        XCTAssertEqual(g.nodes.count, 1)
        let conv = try XCTUnwrap(g.nodes.first)
        XCTAssertEqual(conv.name, "conv")
        XCTAssertEqual(conv.opType, "Conv")
        XCTAssertEqual(conv.outputs, ["y"])
        XCTAssertEqual(conv.inputs.count, 3)
        XCTAssertEqual(try conv.string(FusedActivation.activationKey), "Relu")
        XCTAssertEqual(r.fusedInto, ["c": "conv", "n2": "conv", "n": "conv"])
        // The old weight and the BN parameters are pruned; the folded weight and bias remain.
        XCTAssertEqual(Set(g.initializers.keys), Set(conv.inputs.dropFirst()))
        XCTAssertEqual(r.log.map(\.pass), ["eliminate-identity", "fold-batchnorm", "fuse-activation", "prune-initializers"])

        // Folded weights: conv(x, W', B') == bn(conv(x, W)).
        let x = rng.tensor([1, 3, 6, 6])
        let want = try F.batchNorm(try F.conv2d(x, inits["W"]!, nil, group: 1), inits, "bn", epsilon: 1e-3)
        let got = try F.conv2d(x, g.initializers[conv.inputs[1]]!, g.initializers[conv.inputs[2]]!, group: 1)
        XCTAssertLessThan(F.relativeError(got, want), 1e-5)
    }

    func testGroupedConvWithBiasFoldsNumerically() throws {
        var rng = F.Random(seed: 2)
        var inits = F.bnParams("bn", 6, &rng)
        inits["W"] = rng.tensor([6, 2, 2, 2])
        inits["B"] = rng.tensor([6])
        let nodes = [Node(name: "conv", opType: "Conv", inputs: ["x", "W", "B"], outputs: ["c"],
                          attributes: ["group": .int(2)]),
                     F.bnNode("bn", input: "c", output: "y")]
        let m = F.model(nodes, inputs: [("x", [2, 4, 5, 5])], outputs: ["y"], initializers: inits)
        let r = try PassManager.optimize(m, inputShapes: [:])
        let conv = try XCTUnwrap(r.model.graph.nodes.first)
        XCTAssertEqual(r.model.graph.nodes.count, 1)
        XCTAssertEqual(conv.outputs, ["y"])
        XCTAssertEqual(r.fusedInto, ["c": "conv"])
        let x = rng.tensor([2, 4, 5, 5])
        let want = try F.batchNorm(try F.conv2d(x, inits["W"]!, inits["B"]!, group: 2), inits, "bn", epsilon: 1e-3)
        let g = r.model.graph
        let got = try F.conv2d(x, g.initializers[conv.inputs[1]]!, g.initializers[conv.inputs[2]]!, group: 2)
        XCTAssertLessThan(F.relativeError(got, want), 1e-5)
    }

    func testGroupedConvTransposeFoldsAlongItsOutputChannelAxis() throws {
        var rng = F.Random(seed: 3)
        // C_in = 4, group = 2, C_out/group = 3 -> 6 output channels.
        var inits = F.bnParams("bn", 6, &rng)
        inits["W"] = rng.tensor([4, 3, 2, 2])
        let nodes = [Node(name: "ct", opType: "ConvTranspose", inputs: ["x", "W"], outputs: ["c"],
                          attributes: ["group": .int(2)]),
                     F.bnNode("bn", input: "c", output: "y")]
        let m = F.model(nodes, inputs: [("x", [1, 4, 3, 3])], outputs: ["y"], initializers: inits)
        let r = try PassManager.optimize(m, inputShapes: [:])
        let g = r.model.graph
        let ct = try XCTUnwrap(g.nodes.first)
        XCTAssertEqual(g.nodes.count, 1)
        XCTAssertEqual(ct.opType, "ConvTranspose")
        let x = rng.tensor([1, 4, 3, 3])
        let want = try F.batchNorm(try F.convTranspose2d(x, inits["W"]!, nil, group: 2), inits, "bn", epsilon: 1e-3)
        let got = try F.convTranspose2d(x, g.initializers[ct.inputs[1]]!, g.initializers[ct.inputs[2]]!, group: 2)
        XCTAssertLessThan(F.relativeError(got, want), 1e-5)
    }

    func testGemmFoldsWithTransBAndBroadcastC() throws {
        for (transB, cShape) in [(true, [5]), (false, [1, 5]), (true, [3, 5]), (false, [1])] as [(Bool, [Int])] {
            var rng = F.Random(seed: 4)
            var inits = F.bnParams("bn", 5, &rng)
            inits["B"] = rng.tensor(transB ? [5, 4] : [4, 5])
            inits["C"] = rng.tensor(cShape)
            let nodes = [Node(name: "gemm", opType: "Gemm", inputs: ["a", "B", "C"], outputs: ["g"],
                              attributes: ["transB": .int(transB ? 1 : 0), "alpha": .float(0.7), "beta": .float(1.3)]),
                         F.bnNode("bn", input: "g", output: "y")]
            let m = F.model(nodes, inputs: [("a", [3, 4])], outputs: ["y"], initializers: inits)
            let r = try PassManager.optimize(m, inputShapes: [:])
            let g = r.model.graph
            let gemm = try XCTUnwrap(g.nodes.first)
            XCTAssertEqual(g.nodes.count, 1)
            let a = rng.tensor([3, 4])
            let want = try F.batchNorm(try F.gemm(a, inits["B"]!, inits["C"]!, transB: transB, alpha: 0.7, beta: 1.3),
                                       inits, "bn", epsilon: 1e-3)
            let got = try F.gemm(a, g.initializers[gemm.inputs[1]]!, g.initializers[gemm.inputs[2]]!, transB: transB,
                                 alpha: try gemm.float("alpha", default: 1), beta: try gemm.float("beta", default: 1))
            XCTAssertLessThan(F.relativeError(got, want), 1e-5, "transB \(transB), C \(cShape)")
        }
    }

    func testBatchNormIsNotFoldedWhenItCannotBe() throws {
        var rng = F.Random(seed: 5)
        var inits = F.bnParams("bn1", 2, &rng).merging(F.bnParams("bn2", 2, &rng)) { a, _ in a }
            .merging(F.bnParams("bn3", 2, &rng)) { a, _ in a }
        inits["W"] = rng.tensor([2, 2, 1, 1])
        let nodes = [
            // Conv output read twice.
            Node(name: "conv1", opType: "Conv", inputs: ["x", "W"], outputs: ["c1"]),
            F.bnNode("bn1", input: "c1", output: "n1"),
            Node(name: "other", opType: "Relu", inputs: ["c1"], outputs: ["o"]),
            // Weights are a graph input.
            Node(name: "conv2", opType: "Conv", inputs: ["x", "Wdyn"], outputs: ["c2"]),
            F.bnNode("bn2", input: "c2", output: "n2"),
            // Training mode.
            Node(name: "conv3", opType: "Conv", inputs: ["x", "W"], outputs: ["c3"]),
            Node(name: "bn3", opType: "BatchNormalization", inputs: ["c3", "bn3_scale", "bn3_bias", "bn3_mean", "bn3_var"],
                 outputs: ["n3"], attributes: ["training_mode": .int(1)]),
        ]
        let m = F.model(nodes, inputs: [("x", [1, 2, 2, 2]), ("Wdyn", [2, 2, 1, 1])], outputs: ["n1", "o", "n2", "n3"],
                        initializers: inits)
        let r = try PassManager.optimize(m, inputShapes: [:], passes: [BatchNormFolding()])
        XCTAssertEqual(r.model.graph.nodes.map(\.name), nodes.map(\.name))
        XCTAssertTrue(r.fusedInto.isEmpty)
        XCTAssertTrue(r.log.isEmpty)
    }

    func testSharedWeightsGetSeparateFoldedCopies() throws {
        var rng = F.Random(seed: 6)
        var inits = F.bnParams("bnA", 2, &rng).merging(F.bnParams("bnB", 2, &rng)) { a, _ in a }
        inits["W"] = rng.tensor([2, 2, 1, 1])
        let nodes = [Node(name: "convA", opType: "Conv", inputs: ["x", "W"], outputs: ["a"]),
                     F.bnNode("bnA", input: "a", output: "na"),
                     Node(name: "convB", opType: "Conv", inputs: ["x", "W"], outputs: ["b"]),
                     F.bnNode("bnB", input: "b", output: "nb")]
        let m = F.model(nodes, inputs: [("x", [1, 2, 2, 2])], outputs: ["na", "nb"], initializers: inits)
        let r = try PassManager.optimize(m, inputShapes: [:])
        let g = r.model.graph
        XCTAssertEqual(g.nodes.map(\.name), ["convA", "convB"])
        XCTAssertNotEqual(g.nodes[0].inputs[1], g.nodes[1].inputs[1])
        XCTAssertNil(g.initializers["W"])
        XCTAssertEqual(g.initializers.count, 4)
        XCTAssertEqual(r.fusedInto, ["a": "convA", "b": "convB"])
    }

    // MARK: Activation fusion

    func testClipBoundsComeFromConstantInputsOrAttributes() throws {
        var rng = F.Random(seed: 7)
        let inits = ["W": rng.tensor([2, 2, 1, 1]), "lo": Tensor(scalar: 0), "hi": Tensor(scalar: 6)]
        let nodes = [Node(name: "conv", opType: "Conv", inputs: ["x", "W"], outputs: ["c"]),
                     Node(name: "clip", opType: "Clip", inputs: ["c", "lo", "hi"], outputs: ["y"])]
        let m = F.model(nodes, inputs: [("x", [1, 2, 2, 2])], outputs: ["y"], initializers: inits, opset: 13)
        let r = try PassManager.optimize(m, inputShapes: [:], passes: [ActivationFusion()])
        let conv = try XCTUnwrap(r.model.graph.nodes.first)
        XCTAssertEqual(r.model.graph.nodes.count, 1)
        XCTAssertEqual(conv.outputs, ["y"])
        XCTAssertEqual(try conv.string(FusedActivation.activationKey), "Clip")
        XCTAssertEqual(try conv.float(FusedActivation.minKey), 0)
        XCTAssertEqual(try conv.float(FusedActivation.maxKey), 6)
        XCTAssertEqual(r.fusedInto, ["c": "conv"])

        // Opset 6: bounds are attributes; a missing max means no upper bound.
        let old = [nodes[0], Node(name: "clip", opType: "Clip", inputs: ["c"], outputs: ["y"],
                                  attributes: ["min": .float(-1)])]
        let r6 = try PassManager.optimize(F.model(old, inputs: [("x", [1, 2, 2, 2])], outputs: ["y"],
                                                  initializers: inits, opset: 6),
                                          inputShapes: [:], passes: [ActivationFusion()])
        let conv6 = try XCTUnwrap(r6.model.graph.nodes.first)
        XCTAssertEqual(try conv6.float(FusedActivation.minKey), -1)
        XCTAssertEqual(try conv6.float(FusedActivation.maxKey), .infinity)
    }

    func testActivationIsNotFusedWhenItCannotBe() throws {
        var rng = F.Random(seed: 8)
        let inits = ["W": rng.tensor([2, 2, 1, 1]), "hi": Tensor(scalar: 6)]
        let nodes = [
            // Clip bound is a graph input.
            Node(name: "conv1", opType: "Conv", inputs: ["x", "W"], outputs: ["c1"]),
            Node(name: "clip", opType: "Clip", inputs: ["c1", "lo", "hi"], outputs: ["y1"]),
            // Conv output is a graph output too.
            Node(name: "conv2", opType: "Conv", inputs: ["x", "W"], outputs: ["c2"]),
            Node(name: "relu2", opType: "Relu", inputs: ["c2"], outputs: ["y2"]),
            // Producer is not a Conv/Gemm/MatMul.
            Node(name: "add", opType: "Add", inputs: ["x", "x"], outputs: ["s"]),
            Node(name: "relu3", opType: "Relu", inputs: ["s"], outputs: ["y3"]),
        ]
        let m = F.model(nodes, inputs: [("x", [1, 2, 2, 2]), ("lo", [])], outputs: ["y1", "c2", "y2", "y3"],
                        initializers: inits)
        let r = try PassManager.optimize(m, inputShapes: [:], passes: [ActivationFusion()])
        XCTAssertEqual(r.model.graph.nodes.map(\.name), nodes.map(\.name))
        XCTAssertTrue(r.fusedInto.isEmpty)
    }

    func testMatMulAndGemmTakeARelu() throws {
        var rng = F.Random(seed: 9)
        let nodes = [Node(name: "mm", opType: "MatMul", inputs: ["x", "W"], outputs: ["m"]),
                     Node(name: "r1", opType: "Relu", inputs: ["m"], outputs: ["a"]),
                     Node(name: "gemm", opType: "Gemm", inputs: ["a", "W"], outputs: ["g"]),
                     Node(name: "r2", opType: "Relu", inputs: ["g"], outputs: ["y"])]
        let m = F.model(nodes, inputs: [("x", [3, 3])], outputs: ["y"], initializers: ["W": rng.tensor([3, 3])])
        let r = try PassManager.optimize(m, inputShapes: [:], passes: [ActivationFusion()])
        XCTAssertEqual(r.model.graph.nodes.map(\.name), ["mm", "gemm"])
        XCTAssertEqual(r.model.graph.nodes.map(\.outputs), [["a"], ["y"]])
        XCTAssertEqual(r.fusedInto, ["m": "mm", "g": "gemm"])
    }

    // MARK: Shapes and pruning

    func testStaticShapeAnalysisStopsAtDataDependentShapes() throws {
        let nodes = [Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["a"]),
                     Node(name: "shape_a", opType: "Shape", inputs: ["a"], outputs: ["sa"]),
                     Node(name: "nz", opType: "NonZero", inputs: ["x"], outputs: ["idx"]),
                     Node(name: "shape_idx", opType: "Shape", inputs: ["idx"], outputs: ["si"]),
                     // Reshape to a shape computed from data: its output shape is not static.
                     Node(name: "cast", opType: "Cast", inputs: ["x"], outputs: ["xi"], attributes: ["to": .int(7)]),
                     Node(name: "reshape_dyn", opType: "Reshape", inputs: ["x", "xi"], outputs: ["rd"]),
                     Node(name: "shape_rd", opType: "Shape", inputs: ["rd"], outputs: ["srd"]),
                     // Reshape to a shape computed from a static shape: static.
                     Node(name: "reshape", opType: "Reshape", inputs: ["a", "sa"], outputs: ["rs"]),
                     Node(name: "shape_rs", opType: "Shape", inputs: ["rs"], outputs: ["srs"])]
        let m = F.model(nodes, inputs: [("x", [2])], outputs: ["si", "srd", "srs"])
        let order = try GraphPlanner.topologicalOrder(m.graph)
        let (shapes, values) = StaticShapes.analyze(m.graph, order: order)
        XCTAssertTrue(shapes.isSuperset(of: ["x", "a", "sa", "rs", "srs", "xi"]))
        XCTAssertTrue(values.isSuperset(of: ["sa", "srs"]))
        XCTAssertTrue(shapes.isDisjoint(with: ["idx", "si", "rd", "srd"]))
        XCTAssertTrue(values.isDisjoint(with: ["a", "xi", "si", "srd"]))
    }

    func testShapeConstantsSkipsWithoutConcreteInputShape() throws {
        let nodes = [Node(name: "shape", opType: "Shape", inputs: ["x"], outputs: ["s"])]
        var m = F.model(nodes, inputs: [("x", [])], outputs: ["s"])
        m.graph.inputs[0].dims = [.fixed(2), .symbolic("n")]
        let r = try PassManager.optimize(m, inputShapes: [:], passes: [ShapeConstants()])
        XCTAssertEqual(r.model.graph.nodes.count, 1)
        XCTAssertEqual(r.log.count, 1)
        XCTAssertTrue(r.log[0].summary.hasPrefix("skipped"), r.log[0].summary)
    }

    func testUnusedInitializersArePruned() throws {
        let nodes = [Node(name: "add", opType: "Add", inputs: ["x", "used"], outputs: ["y"])]
        let m = F.model(nodes, inputs: [("x", [1])], outputs: ["y", "kept_output"],
                        initializers: ["used": Tensor(scalar: 1), "unused": Tensor(scalar: 2),
                                       "kept_output": Tensor(scalar: 3)])
        let r = try PassManager.optimize(m, inputShapes: [:], passes: [InitializerPruning()])
        XCTAssertEqual(Set(r.model.graph.initializers.keys), ["used", "kept_output"])
    }
}

extension PassesTests {
    func testUnfuseRestoresStandardActivationNodes() throws {
        var rng = F.Random(seed: 12)
        let inits = ["W": rng.tensor([2, 2, 1, 1]), "hi": Tensor(scalar: 6)]
        let nodes = [Node(name: "conv1", opType: "Conv", inputs: ["x", "W"], outputs: ["c1"]),
                     Node(name: "relu", opType: "Relu", inputs: ["c1"], outputs: ["r"]),
                     Node(name: "conv2", opType: "Conv", inputs: ["r", "W"], outputs: ["c2"]),
                     Node(name: "clip", opType: "Clip", inputs: ["c2", "", "hi"], outputs: ["y"])]
        let m = F.model(nodes, inputs: [("x", [1, 2, 2, 2])], outputs: ["y"], initializers: inits, opset: 13)
        let fused = try PassManager.optimize(m, inputShapes: [:], passes: [ActivationFusion()]).model
        let back = ActivationFusion.unfuse(fused)
        let g = back.graph
        XCTAssertEqual(g.nodes.map(\.opType), ["Conv", "Relu", "Conv", "Clip"])
        XCTAssertTrue(g.nodes.allSatisfy { !$0.attributes.keys.contains { $0.hasPrefix("qscope_") } })
        XCTAssertEqual(g.nodes[1].outputs, ["r"])
        XCTAssertEqual(g.nodes[0].outputs, g.nodes[1].inputs)
        XCTAssertEqual(g.nodes[3].outputs, ["y"])
        XCTAssertEqual(g.nodes[3].inputs.count, 3)
        XCTAssertEqual(g.nodes[3].inputs[1], "")
        XCTAssertEqual(g.initializers[g.nodes[3].inputs[2]]?.asFloats(), [6])
        _ = try GraphPlanner.topologicalOrder(g)
    }
}

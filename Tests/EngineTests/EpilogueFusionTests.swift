import XCTest
@testable import Engine

/// Plain runs fold a BatchNormalization with constant statistics, and a Relu, Clip or HardSwish after it,
/// into the Conv before them, in the NCHW kernels and in the channel-blocked chains. Results must match an
/// observed run, which runs every operator on its own.
final class EpilogueFusionTests: XCTestCase {
    private final class Sink: ExecutionObserver {
        func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {}
    }

    /// Conv (+ BatchNormalization) (+ activation) stages, each reading the previous stage's output.
    private struct Stage {
        var weight: [Int]
        var group = 1
        var pads = [0, 0, 0, 0]
        var normalize = true
        var activation: String? = "HardSwish"
    }

    private func model(_ stages: [Stage], channels: Int, rng: inout ConvSupport.Random, statisticsAsInputs: Bool = false,
                       extraOutputs: [String] = []) -> (Model, last: String) {
        var nodes: [Node] = [], initializers: [String: Tensor] = [:], inputs = [ValueInfo(name: "x", elementType: 1, dims: nil)]
        var current = "x"
        for (i, s) in stages.enumerated() {
            initializers["w\(i)"] = rng.tensor(s.weight)
            initializers["b\(i)"] = rng.tensor([s.weight[0]])
            nodes.append(Node(name: "conv\(i)", opType: "Conv", inputs: [current, "w\(i)", "b\(i)"], outputs: ["c\(i)"],
                              attributes: ["group": .int(s.group), "pads": .ints(s.pads)]))
            current = "c\(i)"
            if s.normalize {
                let m = s.weight[0]
                let stats = ["scale\(i)": rng.tensor([m]), "bias\(i)": rng.tensor([m]), "mean\(i)": rng.tensor([m]),
                             "var\(i)": Tensor(shape: [m], floats: rng.tensor([m]).asFloats().map { abs($0) + 0.1 })]
                for (k, v) in stats {
                    initializers[k] = v
                    if statisticsAsInputs && k.hasPrefix("mean") { inputs.append(ValueInfo(name: k, elementType: 1, dims: nil)) }
                }
                nodes.append(Node(name: "bn\(i)", opType: "BatchNormalization",
                                  inputs: [current, "scale\(i)", "bias\(i)", "mean\(i)", "var\(i)"], outputs: ["n\(i)"],
                                  attributes: ["epsilon": .float(1e-3)]))
                current = "n\(i)"
            }
            if let act = s.activation {
                nodes.append(Node(name: "act\(i)", opType: act, inputs: [current], outputs: ["a\(i)"], attributes: [:]))
                current = "a\(i)"
            }
        }
        let outputs = ([current] + extraOutputs).map { ValueInfo(name: $0, elementType: 1, dims: nil) }
        let graph = Graph(name: "g", nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs)
        return (Model(graph: graph, opsets: ["": 14]), current)
    }

    /// Runs plain and observed, compares the outputs, returns (plain steps, blocked steps).
    private func check(_ stages: [Stage], x: [Int], seed: UInt64, statisticsAsInputs: Bool = false,
                       extraOutputs: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> (Int, Int) {
        var rng = ConvSupport.Random(seed: seed)
        let (m, last) = model(stages, channels: x[1], rng: &rng, statisticsAsInputs: statisticsAsInputs,
                              extraOutputs: extraOutputs)
        let executor = try Executor(model: m)
        var feeds = ["x": rng.tensor(x)]
        if statisticsAsInputs {
            for (i, s) in stages.enumerated() where s.normalize { feeds["mean\(i)"] = m.graph.initializers["mean\(i)"] }
        }
        let plain = try executor.run(feeds), observed = try executor.run(feeds, observer: Sink())
        for name in [last] + extraOutputs {
            ConvSupport.assertClose(plain[name]!, observed[name]!, "output \(name)", file: file, line: line)
        }
        return (executor.plainStepCount, executor.blockedStepCount)
    }

    func testNormalizationAndHardSwishFoldIntoABlockedChain() throws {
        // PP-LCNet's pattern: depthwise and pointwise layers, each followed by BatchNormalization and HardSwish.
        let stages = [Stage(weight: [16, 16, 1, 1]),
                      Stage(weight: [16, 1, 3, 3], group: 16, pads: [1, 1, 1, 1]),
                      Stage(weight: [40, 16, 1, 1], activation: "Relu"),
                      Stage(weight: [40, 1, 5, 5], group: 40, pads: [2, 2, 2, 2], activation: nil),
                      Stage(weight: [24, 40, 1, 1], normalize: false)]
        let (steps, blocked) = try check(stages, x: [1, 16, 9, 21], seed: 200)
        XCTAssertEqual(steps, 5, "each stage is one step")
        XCTAssertEqual(blocked, 5)
    }

    func testLoneConvolutionAppliesTheEpilogueInNCHW() throws {
        let (steps, blocked) = try check([Stage(weight: [6, 3, 3, 3], pads: [1, 1, 1, 1])], x: [2, 3, 7, 11], seed: 201)
        XCTAssertEqual(steps, 1)
        XCTAssertEqual(blocked, 0)
        // A Conv whose only reader is a HardSwish, without normalization.
        let (direct, _) = try check([Stage(weight: [5, 4, 1, 1], normalize: false)], x: [1, 4, 3, 37], seed: 202)
        XCTAssertEqual(direct, 1)
    }

    func testNormalizationWithInputStatisticsOrAnObservedOutputIsNotFolded() throws {
        let stage = Stage(weight: [8, 8, 1, 1])
        let (fromInputs, _) = try check([stage], x: [1, 8, 5, 5], seed: 203, statisticsAsInputs: true)
        XCTAssertEqual(fromInputs, 3, "statistics from graph inputs: nothing folds, and HardSwish does not follow the Conv directly")
        let (exposed, _) = try check([stage], x: [1, 8, 5, 5], seed: 204, extraOutputs: ["n0"])
        XCTAssertEqual(exposed, 2, "the normalized tensor is a graph output, so only the Conv and BatchNormalization merge")
    }
}

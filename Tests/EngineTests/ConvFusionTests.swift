import XCTest
@testable import Engine

/// The executor folds a Relu or Clip into the Conv that feeds it when nothing observes the intermediate
/// tensor. Fused runs must equal the naive reference followed by the clamp, and unfused (observed) runs.
final class ConvFusionTests: XCTestCase {
    private final class Collector: ExecutionObserver {
        var names: [String] = []
        func didProduce(_ name: String, _ tensor: Tensor, by node: Node) { names.append(name) }
    }

    /// Conv -> activation graph; `exposeConv` also makes the Conv output a graph output (so no fusion).
    private func model(_ x: Tensor, _ w: Tensor, _ b: Tensor, attributes: [String: AttributeValue],
                       activation: String, activationInputs: [String] = [], extra: [String: Tensor] = [:],
                       exposeConv: Bool = false, opset: Int = 13) -> Model {
        let conv = Node(name: "conv", opType: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attributes: attributes)
        let act = Node(name: "act", opType: activation, inputs: ["c"] + activationInputs, outputs: ["y"],
                       attributes: [:])
        var initializers = ["w": w, "b": b]
        for (k, v) in extra { initializers[k] = v }
        var outputs = [ValueInfo(name: "y", elementType: 1, dims: nil)]
        if exposeConv { outputs.append(ValueInfo(name: "c", elementType: 1, dims: nil)) }
        let graph = Graph(name: "g", nodes: [conv, act], initializers: initializers,
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: nil)], outputs: outputs)
        return Model(graph: graph, opsets: ["": opset])
    }

    private func check(x: [Int], w: [Int], group: Int = 1, strides: [Int] = [1, 1], dilations: [Int] = [1, 1],
                       pads: [Int] = [0, 0, 0, 0], activation: String, lower: Float, upper: Float,
                       seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = ConvSupport.Random(seed: seed)
        let xt = rng.tensor(x), wt = rng.tensor(w), bt = rng.tensor([w[0]])
        let attributes: [String: AttributeValue] = ["group": .int(group), "strides": .ints(strides),
                                                    "dilations": .ints(dilations), "pads": .ints(pads)]
        let conv = ConvolutionTests.naiveConv(xt, wt, bt, group: group, strides: strides, dilations: dilations, pads: pads)
        let expected = Tensor(shape: conv.shape, floats: conv.asFloats().map { min(max($0, lower), upper) })
        var inputs: [String] = [], extra: [String: Tensor] = [:]
        if activation == "Clip" {
            inputs = ["lo", "hi"]
            extra = ["lo": Tensor(shape: [], floats: [lower]), "hi": Tensor(shape: [], floats: [upper])]
        }
        for expose in [false, true] {
            let executor = try Executor(model: model(xt, wt, bt, attributes: attributes, activation: activation,
                                                     activationInputs: inputs, extra: extra, exposeConv: expose))
            let fused = try executor.run(["x": xt])
            ConvSupport.assertClose(fused["y"]!, expected, "fused, conv exposed \(expose)", file: file, line: line)
            if expose { ConvSupport.assertClose(fused["c"]!, conv, "exposed conv output", file: file, line: line) }
            let collector = Collector()
            let observed = try executor.run(["x": xt], observer: collector)
            XCTAssertEqual(collector.names, ["c", "y"], "an observer sees the unfused tensors", file: file, line: line)
            ConvSupport.assertClose(observed["y"]!, expected, "observed", file: file, line: line)
        }
    }

    func testReluFusedIntoEveryConvKernel() throws {
        // Direct kernel (stride 2, partial block), depthwise, pointwise direct, and im2col + BLAS.
        try check(x: [1, 3, 13, 27], w: [5, 3, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], activation: "Relu",
                  lower: 0, upper: .infinity, seed: 50)
        try check(x: [2, 6, 9, 23], w: [6, 1, 3, 3], group: 6, pads: [1, 1, 1, 1], activation: "Relu",
                  lower: 0, upper: .infinity, seed: 51)
        try check(x: [1, 8, 6, 7], w: [9, 8, 1, 1], activation: "Relu", lower: 0, upper: .infinity, seed: 52)
        try check(x: [1, 80, 6, 7], w: [5, 80, 3, 3], dilations: [2, 2], pads: [2, 2, 2, 2], activation: "Relu",
                  lower: 0, upper: .infinity, seed: 53)
    }

    func testClipWithConstantBoundsFused() throws {
        try check(x: [1, 4, 10, 17], w: [4, 1, 3, 3], group: 4, strides: [2, 2], pads: [1, 1, 1, 1],
                  activation: "Clip", lower: -0.5, upper: 0.75, seed: 54)
        try check(x: [1, 4, 10, 17], w: [6, 4, 3, 3], pads: [1, 1, 1, 1], activation: "Clip", lower: 0, upper: 1,
                  seed: 55)
    }

    func testProfilerTimesThePlainPlanUnlessItForwards() throws {
        var rng = ConvSupport.Random(seed: 56)
        let x = rng.tensor([1, 4, 6, 6]), w = rng.tensor([4, 4, 1, 1]), b = rng.tensor([4])
        let executor = try Executor(model: model(x, w, b, attributes: [:], activation: "Relu"))
        let plain = NodeProfiler()
        _ = try executor.run(["x": x], observer: plain)
        XCTAssertEqual(Set(plain.calls.keys), ["conv"], "the Relu is folded into the Conv, as in an unobserved run")
        let forwarding = NodeProfiler(forward: Collector())
        _ = try executor.run(["x": x], observer: forwarding)
        XCTAssertEqual(Set(forwarding.calls.keys), ["conv", "act"], "a recorder behind the profiler needs every tensor")
    }

    func testFusedReluKeepsNaN() throws {
        let x = Tensor(shape: [1, 2, 1, 3], floats: [.nan, 1, -1, 2, 3, -4])
        let w = Tensor(shape: [2, 2, 1, 1], floats: [1, 0, 0, 1])
        let b = Tensor(shape: [2], floats: [0, 0])
        let executor = try Executor(model: model(x, w, b, attributes: [:], activation: "Relu"))
        let y = try executor.run(["x": x])["y"]!.asFloats()
        // 0 * NaN is NaN, so both channels are NaN at the first position.
        XCTAssertTrue(y[0].isNaN && y[3].isNaN, "\(y)")
        XCTAssertEqual([y[1], y[2], y[4], y[5]], [1, 0, 3, 0])
    }
}

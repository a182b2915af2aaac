import Engine
@testable import TUI

/// A small residual network built in memory, and a state with made-up metrics for rendering tests.
enum TUIFixtures {
    static func weights(_ shape: [Int], seed: Int) -> Tensor {
        let n = shape.reduce(1, *)
        // Deterministic values with a per-channel spread, so weight ranges differ between channels.
        let values = (0..<n).map { i in Float(((i * 7919 + seed * 104729) % 2001) - 1000) / 1000 * Float(1 + i % 3) / 3 }
        return Tensor(shape: shape, floats: values)
    }

    static func model() -> Model {
        let nodes = [
            Node(name: "conv1", opType: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"],
                 attributes: ["kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1]), "strides": .ints([1, 1])]),
            Node(name: "relu1", opType: "Relu", inputs: ["c1"], outputs: ["r1"]),
            Node(name: "conv2", opType: "Conv", inputs: ["r1", "w2"], outputs: ["c2"],
                 attributes: ["kernel_shape": .ints([1, 1])]),
            Node(name: "block1/add_with_a_rather_long_name", opType: "Add", inputs: ["r1", "c2"], outputs: ["a1"]),
            Node(name: "pool", opType: "GlobalAveragePool", inputs: ["a1"], outputs: ["p"]),
            Node(name: "flatten", opType: "Flatten", inputs: ["p"], outputs: ["f"], attributes: ["axis": .int(1)]),
            Node(name: "fc", opType: "Gemm", inputs: ["f", "wfc", "bfc"], outputs: ["logits"],
                 attributes: ["transB": .int(1), "alpha": .float(1)]),
            Node(name: "softmax", opType: "Softmax", inputs: ["logits"], outputs: ["prob"]),
        ]
        let initializers: [String: Tensor] = [
            "w1": weights([4, 3, 3, 3], seed: 1), "b1": Tensor(shape: [4], floats: [0, 0.1, -0.1, 0.2]),
            "w2": weights([4, 4, 1, 1], seed: 2), "wfc": weights([10, 4], seed: 3), "bfc": weights([10], seed: 4),
        ]
        let graph = Graph(name: "tiny", nodes: nodes, initializers: initializers,
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: [.symbolic("N"), .fixed(3), .fixed(8), .fixed(8)])],
                          outputs: [ValueInfo(name: "prob", elementType: 1, dims: [.symbolic("N"), .fixed(10)])])
        return Model(graph: graph, opsets: ["": 17], path: "/models/tiny.onnx")
    }

    static let shapes: [String: [Int]] = ["c1": [1, 4, 8, 8], "r1": [1, 4, 8, 8], "c2": [1, 4, 8, 8],
                                          "a1": [1, 4, 8, 8], "p": [1, 4, 1, 1], "f": [1, 4], "logits": [1, 10]]

    static let cosines: [Double] = [0.9998, 0.9995, 0.9712, 0.9731, 0.9744, 0.9744, 0.7420, 0.9050]

    /// Layers with metrics for pair 2 (float vs quantized) and a few for pair 1, placements and quantization.
    static func layersWithMetrics() throws -> [LayerInfo] {
        var layers = try LayerInfoBuilder.build(model: model(), shapes: shapes)
        for i in layers.indices {
            let c = cosines[i]
            var m = LayerPairMetrics(
                accumulated: MetricValues(cosine: c, relativeL2: (1 - c) * 3, maxAbsError: (1 - c) * 10, mse: (1 - c) / 50, sqnrDB: 40 * c),
                isolated: MetricValues(cosine: min(1, c + 0.02), relativeL2: (1 - c), maxAbsError: (1 - c) * 4, mse: (1 - c) / 90, sqnrDB: 42 * c))
            if i == 2 || i == 6 { m.suspicion = .dropPoint }
            layers[i].metrics[StagePair(.float, .quantized)] = m
            layers[i].metrics[StagePair(.float, .optimized)] = LayerPairMetrics(accumulated: MetricValues(cosine: 1, relativeL2: 0))
            layers[i].placement = i == 7 ? .cpu : .acc
            layers[i].quant = QuantParams(outputScale: 0.0123, outputZeroPoint: 0, range: -1.57...1.56,
                                          weightScales: layers[i].op == "Conv" ? [0.004, 0.007, 0.005, 0.006] : [])
        }
        layers[1].histogram = Histogram(lower: -0.5, upper: 2.5, counts: [1, 40, 300, 200, 120, 60, 30, 10, 5, 2, 1, 1],
                                        clip: 0...2.0, step: 0.25)
        return layers
    }

    static func session() -> SessionInfo {
        SessionInfo(modelName: "tiny.onnx", inputShape: "1x3x8x8", calibration: .kl, calibrationOptions: "bins=2048",
                    perChannel: true, calibrationSamples: 100, evalSamples: 50)
    }

    /// A state at a size, with or without metrics.
    static func state(width: Int = 80, height: Int = 24, metrics: Bool = true) throws -> AppState {
        let layers = metrics ? try layersWithMetrics() : try LayerInfoBuilder.build(model: model())
        var s = AppState(session: metrics ? session() : TUIApp.defaultSession(model()), layers: layers,
                         stages: metrics ? [.float: .ready, .optimized: .ready, .quantized: .ready,
                                            .hybrid: .computing(progress: 0.42, note: "hybrid 21/50")] :
                            [.float: .ready, .optimized: .pending, .quantized: .pending, .hybrid: .pending])
        _ = s.apply(.resize(width: width, height: height))
        return s
    }

    /// Applies key presses in order, collecting the effects.
    static func press(_ state: inout AppState, _ keys: [Key]) -> [Effect] {
        keys.flatMap { state.apply(.key($0)) }
    }

    static func type(_ text: String) -> [Key] { text.map { .char($0) } }
}

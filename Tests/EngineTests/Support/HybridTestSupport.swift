import XCTest
@testable import Engine

/// Builds an in-memory model from nodes; `inputs` are float graph inputs with their shapes.
func hybridModel(_ nodes: [Node], inputs: [(String, [Int])], outputs: [String],
                 initializers: [String: Tensor] = [:], opset: Int = 17) -> Model {
    let graph = Graph(name: "g", nodes: nodes, initializers: initializers,
                      inputs: inputs.map { ValueInfo(name: $0.0, elementType: 1, dims: $0.1.map { .fixed($0) }) },
                      outputs: outputs.map { ValueInfo(name: $0, elementType: 1, dims: nil) })
    return Model(graph: graph, opsets: ["": opset])
}

/// Runs the float model on each sample with a calibration collector attached (graph inputs recorded too).
func calibrationStatistics(_ model: Model, samples: [[String: Tensor]]) throws -> CalibrationCollector {
    let executor = try Executor(model: model)
    let collector = CalibrationCollector()
    for feeds in samples {
        collector.record(inputs: feeds)
        _ = try executor.run(feeds, observer: collector)
    }
    return collector
}

/// Activation parameters the hybrid kernel tests share: int8 symmetric and uint8 asymmetric, input and output.
enum KernelTestParams {
    static let int8In = QuantParams(scale: 0.02, zeroPoint: 0, qmin: -127, qmax: 127)
    static let uint8In = QuantParams(scale: 0.015, zeroPoint: 117, qmin: 0, qmax: 255)
    static let int8Out = QuantParams(scale: 0.09, zeroPoint: 0, qmin: -127, qmax: 127)
    static let uint8Out = QuantParams(scale: 0.1, zeroPoint: 90, qmin: 0, qmax: 255)
}

/// Seeded test data for the hybrid tests.
struct HybridRandom {
    var rng: CalibRNG
    init(seed: UInt64) { rng = CalibRNG(seed: seed) }
    mutating func float(_ lo: Float = -1, _ hi: Float = 1) -> Float { lo + (hi - lo) * Float(rng.uniform()) }
    mutating func floats(_ n: Int, _ lo: Float = -1, _ hi: Float = 1) -> [Float] { (0..<n).map { _ in float(lo, hi) } }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
    mutating func tensor(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        Tensor(shape: shape, floats: floats(shape.reduce(1, *), lo, hi))
    }
    /// Standard normal values.
    mutating func gaussian(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float(rng.gaussian()) })
    }
    /// Random levels within `params`.
    mutating func levels(_ shape: [Int], _ p: QuantParams) -> QTensor {
        QTensor(shape: shape, levels: (0..<shape.reduce(1, *)).map { _ in Int32(int(Int(p.qmin)...Int(p.qmax))) }, params: p)
    }
}

/// Cosine similarity of two float tensors.
func hybridCosine(_ a: Tensor, _ b: Tensor) throws -> Double {
    let x = try a.floats(), y = try b.floats()
    var dot = 0.0, nx = 0.0, ny = 0.0
    for i in x.indices {
        dot += Double(x[i]) * Double(y[i]); nx += Double(x[i]) * Double(x[i]); ny += Double(y[i]) * Double(y[i])
    }
    return nx == 0 && ny == 0 ? 1 : dot / max((nx * ny).squareRoot(), 1e-30)
}

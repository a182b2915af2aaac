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

/// The plain integer convolution for kernel references: Σ (x − z_x) · w per output, in Int64, in (batch,
/// output channel, y, x) order. `weight(i)` is the integer weight at flat index i of the [M, C/group, kH, kW]
/// weight. Returns the sums and the number of outputs per channel (so output i belongs to channel
/// `(i / perChannel) % M`).
func naiveConvSums(_ x: QTensor, weightShape ws: [Int], weight: (Int) -> Int64, group: Int, strides: [Int],
                   pads: [Int], dilations: [Int]) -> (sums: [Int64], perChannel: Int) {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (m, cg, kh, kw) = (ws[0], ws[1], ws[2], ws[3])
    let oh = (h + pads[0] + pads[2] - ((kh - 1) * dilations[0] + 1)) / strides[0] + 1
    let ow = (wd + pads[1] + pads[3] - ((kw - 1) * dilations[1] + 1)) / strides[1] + 1
    var sums: [Int64] = []
    for bi in 0..<n {
        for oc in 0..<m {
            let g = oc / (m / group)
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc: Int64 = 0
                    for ic in 0..<cg {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * strides[0] - pads[0] + ky * dilations[0]
                                let ix = ox * strides[1] - pads[1] + kx * dilations[1]
                                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                let xv = Int64(x.levels[((bi * c + g * cg + ic) * h + iy) * wd + ix] - x.params.zeroPoint)
                                acc += xv * weight(((oc * cg + ic) * kh + ky) * kw + kx)
                            }
                        }
                    }
                    sums.append(acc)
                }
            }
        }
    }
    return (sums, oh * ow)
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

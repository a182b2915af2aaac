import XCTest
@testable import Engine

/// Runs one operator node through the real Executor. Inputs are fed as graph inputs (nil = omitted);
/// `constants` lists input positions given as initializers instead.
func runShapeOp(_ op: String, _ inputs: [Tensor?], attributes: [String: AttributeValue] = [:], opset: Int = 21,
                outputs: Int = 1, constants: Set<Int> = []) throws -> [Tensor] {
    var names: [String] = []
    var feeds: [String: Tensor] = [:]
    var inits: [String: Tensor] = [:]
    var infos: [ValueInfo] = []
    for (i, t) in inputs.enumerated() {
        guard let t else { names.append(""); continue }
        let name = "in\(i)"
        names.append(name)
        if constants.contains(i) {
            inits[name] = t
        } else {
            feeds[name] = t
            infos.append(ValueInfo(name: name, elementType: t.dtype.rawValue, dims: nil))
        }
    }
    let outNames = (0..<outputs).map { "out\($0)" }
    let node = Node(name: "n", opType: op, inputs: names, outputs: outNames, attributes: attributes)
    let graph = Graph(name: "g", nodes: [node], initializers: inits, inputs: infos,
                      outputs: outNames.map { ValueInfo(name: $0, elementType: 0, dims: nil) })
    let result = try Executor(model: Model(graph: graph, opsets: ["": opset])).run(feeds)
    return outNames.map { result[$0]! }
}

/// Runs a single-output node.
func runShapeOp1(_ op: String, _ inputs: [Tensor?], attributes: [String: AttributeValue] = [:], opset: Int = 21,
                 constants: Set<Int> = []) throws -> Tensor {
    try runShapeOp(op, inputs, attributes: attributes, opset: opset, constants: constants)[0]
}

/// A small deterministic generator for test data (fixed seed, no Foundation randomness).
struct ShapeOpsRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func float() -> Float { Float(next() % 20001) / 10000 - 1 }
    mutating func floats(_ n: Int) -> [Float] { (0..<n).map { _ in float() } }
    mutating func tensor(_ shape: [Int]) -> Tensor { Tensor(shape: shape, floats: floats(shape.reduce(1, *))) }
}

/// Tensor construction shorthands for the shape-op tests.
extension Tensor {
    static func i64(_ v: [Int], _ shape: [Int]? = nil) -> Tensor { Tensor(shape: shape ?? [v.count], int64s: v.map { Int64($0) }) }
    static func f32(_ v: [Float], _ shape: [Int]? = nil) -> Tensor { Tensor(shape: shape ?? [v.count], floats: v) }
}

/// The row-major multi-index of flat position `flat` in `shape`.
func shapeOpsIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
    var idx = Array(repeating: 0, count: shape.count)
    var rest = flat
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        idx[d] = rest % shape[d]
        rest /= shape[d]
    }
    return idx
}

/// The flat position of a multi-index in `shape`.
func shapeOpsFlat(_ idx: [Int], _ shape: [Int]) -> Int {
    zip(idx, shape).reduce(0) { $0 * $1.1 + $1.0 }
}

import XCTest
@testable import Engine

/// Deterministic random numbers for operator tests (SplitMix64).
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    mutating func float(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }

    mutating func floats(_ n: Int, _ lo: Float = -3, _ hi: Float = 3) -> [Float] { (0..<n).map { _ in float(lo, hi) } }

    mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + Int(next() % UInt64(hi - lo + 1)) }
}

/// Builds a one-node model whose inputs are all graph inputs (nil = omitted optional input), runs it, and
/// returns the node's outputs.
func runNode(_ op: String, _ inputs: [Tensor?], attributes: [String: AttributeValue] = [:], opset: Int = 17,
             outputs: Int = 1) throws -> [Tensor] {
    let names = inputs.enumerated().map { $0.element == nil ? "" : "in\($0.offset)" }
    let outNames = (0..<outputs).map { "out\($0)" }
    let node = Node(name: "n", opType: op, inputs: names, outputs: outNames, attributes: attributes)
    let infos = inputs.enumerated().compactMap { i, t in
        t.map { ValueInfo(name: "in\(i)", elementType: $0.dtype.rawValue, dims: nil) }
    }
    let graph = Graph(name: "g", nodes: [node], initializers: [:], inputs: infos,
                      outputs: outNames.map { ValueInfo(name: $0, elementType: 0, dims: nil) })
    let executor = try Executor(model: Model(graph: graph, opsets: ["": opset]))
    var feeds: [String: Tensor] = [:]
    for (i, t) in inputs.enumerated() { if let t { feeds["in\(i)"] = t } }
    let result = try executor.run(feeds)
    return try outNames.map { name in
        guard let t = result[name] else { throw OpError("missing output \(name)") }
        return t
    }
}

/// Runs a single-output node.
func run1(_ op: String, _ inputs: [Tensor?], attributes: [String: AttributeValue] = [:], opset: Int = 17) throws -> Tensor {
    try runNode(op, inputs, attributes: attributes, opset: opset)[0]
}

/// Naive numpy broadcasting for reference implementations: the output shape and, for each output element,
/// each operand's flat index. Deliberately written by multi-index unravelling, independently of the engine.
func naiveBroadcast(_ shapes: [[Int]]) -> (shape: [Int], indices: [[Int]]) {
    let rank = shapes.map(\.count).max() ?? 0
    let padded = shapes.map { Array(repeating: 1, count: rank - $0.count) + $0 }
    var out = [Int](repeating: 1, count: rank)
    for s in padded { for d in 0..<rank where s[d] != 1 { out[d] = s[d] } }
    let total = out.reduce(1, *)
    var indices = Array(repeating: [Int](), count: shapes.count)
    for flat in 0..<total {
        var rem = flat
        var multi = [Int](repeating: 0, count: rank)
        for d in stride(from: rank - 1, through: 0, by: -1) {
            multi[d] = rem % out[d]
            rem /= out[d]
        }
        for (k, s) in padded.enumerated() {
            var idx = 0
            for d in 0..<rank { idx = idx * s[d] + (s[d] == 1 ? 0 : multi[d]) }
            indices[k].append(idx)
        }
    }
    return (out, indices)
}

/// Asserts element-wise closeness; NaN matches NaN, infinities must match exactly.
func assertClose(_ got: [Float], _ want: [Float], rtol: Float = 1e-5, atol: Float = 1e-6, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, want.count, "count \(message)", file: file, line: line)
    for (i, (g, w)) in zip(got, want).enumerated() {
        if g.isNaN && w.isNaN { continue }
        if g == w { continue }
        if g.isInfinite || w.isInfinite || !(abs(g - w) <= atol + rtol * abs(w)) {
            XCTFail("element \(i): got \(g), want \(w) \(message)", file: file, line: line)
            return
        }
    }
}

func floats(_ t: Tensor, file: StaticString = #filePath, line: UInt = #line) -> [Float] {
    guard case .float(let a) = t.data else { XCTFail("expected float32, got \(t.dtype.name)", file: file, line: line); return [] }
    return a
}

func bools(_ t: Tensor, file: StaticString = #filePath, line: UInt = #line) -> [Bool] {
    guard case .bool(let a) = t.data else { XCTFail("expected bool, got \(t.dtype.name)", file: file, line: line); return [] }
    return a
}

func int64s(_ t: Tensor, file: StaticString = #filePath, line: UInt = #line) -> [Int64] {
    guard case .int64(let a) = t.data else { XCTFail("expected int64, got \(t.dtype.name)", file: file, line: line); return [] }
    return a
}

/// The error message a throwing call produced, or nil when it did not throw.
func errorText(_ body: () throws -> Any) -> String? {
    do { _ = try body(); return nil } catch { return "\(error)" }
}

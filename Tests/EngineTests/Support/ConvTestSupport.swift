import XCTest
@testable import Engine

/// Test helpers for the convolution, matrix, pooling and normalization operator tests.
enum ConvSupport {
    /// A deterministic generator (SplitMix64) so random inputs are the same on every run.
    struct Random {
        private var state: UInt64
        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// A float uniformly in [-1, 1).
        mutating func float() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

        mutating func tensor(_ shape: [Int]) -> Tensor {
            let n = shape.reduce(1, *)
            return Tensor(shape: shape, floats: (0..<n).map { _ in float() })
        }
    }

    /// Runs one node through the executor. `inputs` are graph inputs (nil = omitted optional input);
    /// names listed in `constants` become initializers, so operators see them in `BuildContext.constant`.
    static func run(_ opType: String, _ inputs: [Tensor?], constants: Set<Int> = [],
                    attributes: [String: AttributeValue] = [:], outputs: Int = 1, opset: Int = 17) throws -> [Tensor] {
        var names: [String] = []
        var graphInputs: [ValueInfo] = []
        var initializers: [String: Tensor] = [:]
        var feeds: [String: Tensor] = [:]
        for (i, t) in inputs.enumerated() {
            guard let t else { names.append(""); continue }
            let name = "in\(i)"
            names.append(name)
            if constants.contains(i) {
                initializers[name] = t
            } else {
                graphInputs.append(ValueInfo(name: name, elementType: t.dtype.rawValue, dims: nil))
                feeds[name] = t
            }
        }
        let outNames = (0..<outputs).map { "out\($0)" }
        let node = Node(name: "n", opType: opType, inputs: names, outputs: outNames, attributes: attributes)
        let graph = Graph(name: "g", nodes: [node], initializers: initializers, inputs: graphInputs,
                          outputs: outNames.map { ValueInfo(name: $0, elementType: 1, dims: nil) })
        let result = try Executor(model: Model(graph: graph, opsets: ["": opset])).run(feeds)
        return outNames.map { result[$0]! }
    }

    /// Asserts equal shapes and elementwise closeness.
    static func assertClose(_ got: Tensor, _ expected: Tensor, tolerance: Float = 1e-4,
                            _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.shape, expected.shape, "shape " + message, file: file, line: line)
        let g = got.asFloats(), e = expected.asFloats()
        guard g.count == e.count else { return XCTFail("count \(g.count) vs \(e.count) " + message, file: file, line: line) }
        var worst: Float = 0
        var at = 0
        for i in 0..<g.count {
            let d = abs(g[i] - e[i]) / max(1, abs(e[i]))
            if !(d <= worst) { worst = d; at = i }
        }
        XCTAssert(worst <= tolerance, "max relative error \(worst) at \(at): \(g[at]) vs \(e[at]) " + message,
                  file: file, line: line)
    }
}

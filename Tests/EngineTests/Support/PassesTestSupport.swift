@testable import Engine
import XCTest

/// Builders and naive references for the graph-pass tests.
enum PassesFixture {
    /// A fixed-seed generator (SplitMix64) for reproducible random weights and inputs.
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in [lo, hi).
        mutating func float(_ lo: Float = -1, _ hi: Float = 1) -> Float {
            lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
        }
        mutating func tensor(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
            Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in float(lo, hi) })
        }
    }

    static func model(_ nodes: [Node], inputs: [(String, [Int])], outputs: [String],
                      initializers: [String: Tensor] = [:], opset: Int = 17) -> Model {
        let graph = Graph(name: "g", nodes: nodes, initializers: initializers,
                          inputs: inputs.map { ValueInfo(name: $0.0, elementType: 1, dims: $0.1.map { .fixed($0) }) },
                          outputs: outputs.map { ValueInfo(name: $0, elementType: 1, dims: nil) })
        return Model(graph: graph, opsets: ["": opset])
    }

    /// Random BatchNormalization parameters for `c` channels (positive variance).
    static func bnParams(_ prefix: String, _ c: Int, _ rng: inout Random) -> [String: Tensor] {
        [prefix + "_scale": rng.tensor([c], 0.5, 1.5), prefix + "_bias": rng.tensor([c]),
         prefix + "_mean": rng.tensor([c]), prefix + "_var": rng.tensor([c], 0.1, 2)]
    }

    static func bnNode(_ name: String, input: String, output: String, epsilon: Float = 1e-3) -> Node {
        Node(name: name, opType: "BatchNormalization",
             inputs: [input, name + "_scale", name + "_bias", name + "_mean", name + "_var"], outputs: [output],
             attributes: ["epsilon": .float(epsilon)])
    }

    /// Reference inference BatchNormalization on axis 1.
    static func batchNorm(_ x: Tensor, _ p: [String: Tensor], _ prefix: String, epsilon: Float) throws -> Tensor {
        let scale = try p[prefix + "_scale"]!.floats(), bias = try p[prefix + "_bias"]!.floats()
        let mean = try p[prefix + "_mean"]!.floats(), variance = try p[prefix + "_var"]!.floats()
        let c = x.shape[1], inner = x.shape.dropFirst(2).reduce(1, *)
        var v = try x.floats()
        for i in v.indices {
            let ch = (i / inner) % c
            v[i] = (v[i] - mean[ch]) / (variance[ch] + epsilon).squareRoot() * scale[ch] + bias[ch]
        }
        return Tensor(shape: x.shape, floats: v)
    }

    /// Reference 2-D Conv (no padding, stride 1) with groups.
    static func conv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, group: Int) throws -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (m, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = h - kh + 1, ow = wd - kw + 1, mg = m / group
        let xv = try x.floats(), wv = try w.floats(), bv = try b?.floats()
        var out = [Float](repeating: 0, count: n * m * oh * ow)
        for b0 in 0..<n { for o in 0..<m { for y in 0..<oh { for xx in 0..<ow {
            var s = bv?[o] ?? 0
            let g = o / mg
            for ci in 0..<cg { for i in 0..<kh { for j in 0..<kw {
                let cin = g * cg + ci
                s += xv[((b0 * c + cin) * h + y + i) * wd + xx + j] * wv[((o * cg + ci) * kh + i) * kw + j]
            } } }
            out[((b0 * m + o) * oh + y) * ow + xx] = s
        } } } }
        return Tensor(shape: [n, m, oh, ow], floats: out)
    }

    /// Reference 2-D ConvTranspose (stride 1, no padding) with groups; weights [C, M/group, kh, kw].
    static func convTranspose2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, group: Int) throws -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (mg, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
        let m = mg * group, cg = c / group, oh = h + kh - 1, ow = wd + kw - 1
        let xv = try x.floats(), wv = try w.floats(), bv = try b?.floats()
        var out = [Float](repeating: 0, count: n * m * oh * ow)
        for b0 in 0..<n { for o in 0..<m { for y in 0..<oh { for xx in 0..<ow {
            out[((b0 * m + o) * oh + y) * ow + xx] = bv?[o] ?? 0
        } } } }
        for b0 in 0..<n { for ci in 0..<c { for y in 0..<h { for xx in 0..<wd {
            let g = ci / cg, v = xv[((b0 * c + ci) * h + y) * wd + xx]
            for j in 0..<mg { for i in 0..<kh { for k in 0..<kw {
                let o = g * mg + j
                out[((b0 * m + o) * oh + y + i) * ow + xx + k] += v * wv[((ci * mg + j) * kh + i) * kw + k]
            } } }
        } } } }
        return Tensor(shape: [n, m, oh, ow], floats: out)
    }

    /// Reference Gemm: alpha * A * op(B) + beta * C (C broadcast to [M, N]).
    static func gemm(_ a: Tensor, _ b: Tensor, _ c: Tensor?, transB: Bool, alpha: Float, beta: Float) throws -> Tensor {
        let (m, k) = (a.shape[0], a.shape[1]), n = transB ? b.shape[0] : b.shape[1]
        let av = try a.floats(), bv = try b.floats()
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k { s += av[i * k + p] * (transB ? bv[j * k + p] : bv[p * n + j]) }
            out[i * n + j] = alpha * s
        } }
        if let c {
            let idx = ShapeMath.broadcastIndices(from: c.shape, to: [m, n])
            let cv = try c.floats()
            for i in out.indices { out[i] += beta * cv[idx[i]] }
        }
        return Tensor(shape: [m, n], floats: out)
    }

    /// Largest |a - b| over the largest |b|; fails the test when shapes differ.
    static func relativeError(_ a: Tensor, _ b: Tensor, file: StaticString = #filePath, line: UInt = #line) -> Float {
        XCTAssertEqual(a.shape, b.shape, file: file, line: line)
        let x = a.asFloats(), y = b.asFloats()
        guard x.count == y.count else { return .infinity }
        var diff: Float = 0, scale: Float = 0
        for i in x.indices {
            diff = max(diff, abs(x[i] - y[i]))
            scale = max(scale, abs(y[i]))
        }
        return diff / max(scale, 1e-6)
    }
}

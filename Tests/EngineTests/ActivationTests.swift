import XCTest
import Foundation
@testable import Engine

final class ActivationTests: XCTestCase {
    /// Each unary op against a scalar reference written with libm, on random inputs whose length has a tail.
    func testUnaryFloatOpsMatchReference() throws {
        var rng = SeededRandom(seed: 11)
        let x = rng.floats(1003, -6, 6)
        let positive = rng.floats(1003, 0.001, 50)
        let cases: [(String, [String: AttributeValue], [Float], (Float) -> Float)] = [
            ("Relu", [:], x, { max($0, 0) }),
            ("LeakyRelu", [:], x, { $0 < 0 ? 0.01 * $0 : $0 }),
            ("LeakyRelu", ["alpha": .float(0.2)], x, { $0 < 0 ? 0.2 * $0 : $0 }),
            ("Sigmoid", [:], x, { 1 / (1 + expf(-$0)) }),
            ("HardSigmoid", [:], x, { max(0, min(1, 0.2 * $0 + 0.5)) }),
            ("HardSigmoid", ["alpha": .float(0.5), "beta": .float(0.1)], x, { max(0, min(1, 0.5 * $0 + 0.1)) }),
            ("HardSwish", [:], x, { $0 * max(0, min(1, $0 / 6 + 0.5)) }),
            ("Tanh", [:], x, { tanhf($0) }),
            ("Exp", [:], x, { expf($0) }),
            ("Log", [:], positive, { logf($0) }),
            ("Erf", [:], x, { erff($0) }),
            ("Sqrt", [:], positive, { $0.squareRoot() }),
            ("Neg", [:], x, { -$0 }),
            ("Abs", [:], x, { abs($0) }),
            ("Reciprocal", [:], positive, { 1 / $0 }),
            ("Floor", [:], x, { $0.rounded(.down) }),
            ("Ceil", [:], x, { $0.rounded(.up) }),
            ("Round", [:], x.map { ($0 * 2).rounded() / 2 }, { $0.rounded(.toNearestOrEven) }),
            ("Sign", [:], x + [0], { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }),
            ("Elu", [:], x, { $0 < 0 ? expf($0) - 1 : $0 }),
            ("Elu", ["alpha": .float(0.5)], x, { $0 < 0 ? 0.5 * (expf($0) - 1) : $0 }),
            ("Selu", [:], x, { $0 > 0 ? 1.0507010 * $0 : 1.0507010 * 1.6732632 * (expf($0) - 1) }),
            ("Selu", ["alpha": .float(2), "gamma": .float(3)], x, { $0 > 0 ? 3 * $0 : 3 * 2 * (expf($0) - 1) }),
            ("Softplus", [:], x + [-100, 100], { Float(log1p(exp(Double($0)))) }),
            ("Softsign", [:], x, { $0 / (1 + abs($0)) }),
        ]
        for (op, attributes, input, f) in cases {
            let out = try run1(op, [Tensor(shape: [input.count], floats: input)], attributes: attributes)
            XCTAssertEqual(out.shape, [input.count])
            assertClose(floats(out), input.map(f), rtol: 2e-6, atol: 1e-6, "\(op) \(attributes)")
        }
    }

    /// The vectorized exp against expf across the whole float range, including overflow and underflow.
    func testVectorExpAccuracy() throws {
        var rng = SeededRandom(seed: 12)
        let x = rng.floats(20_000, -87, 88.7) + [0, -0.0, 1, -1, 88.72, 88.73, 100, -87.5, -100, -104, -200, .infinity, -.infinity]
        let out = floats(try run1("Exp", [Tensor(shape: [x.count], floats: x)]))
        for (v, e) in zip(x, out) {
            let want = expf(v)
            if want == .infinity { XCTAssertEqual(e, .infinity, "exp(\(v))"); continue }
            if want < Float.leastNormalMagnitude { XCTAssertLessThan(abs(e - want), 1e-38, "exp(\(v))"); continue }
            XCTAssertLessThanOrEqual(abs(e - want) / want, 1e-6, "exp(\(v)) = \(e), want \(want)")
        }
        XCTAssertTrue(floats(try run1("Exp", [Tensor(shape: [1], floats: [.nan])]))[0].isNaN)
    }

    func testNaNPropagates() throws {
        let x = Tensor(shape: [3], floats: [.nan, -1, 2])
        for op in ["Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Exp", "Abs", "Neg", "Elu",
                   "Selu", "Softplus", "Sqrt", "Floor", "Clip", "Sign"] {
            let out = floats(try run1(op, [x]))
            XCTAssertTrue(out[0].isNaN, "\(op) turned NaN into \(out[0])")
            XCTAssertFalse(out[2].isNaN, op)
        }
    }

    func testIntegerUnaryOps() throws {
        let a: [Int64] = [-5, 0, 7, Int64.min]
        XCTAssertEqual(int64s(try run1("Abs", [Tensor(shape: [4], int64s: a)])), [5, 0, 7, Int64.min])
        XCTAssertEqual(int64s(try run1("Neg", [Tensor(shape: [4], int64s: a)])), [5, 0, -7, Int64.min])
        XCTAssertEqual(int64s(try run1("Relu", [Tensor(shape: [4], int64s: a)])), [0, 0, 7, 0])
        guard case .int32(let r) = try run1("Abs", [Tensor(shape: [2], data: .int32([-3, 4]))]).data else { return XCTFail() }
        XCTAssertEqual(r, [3, 4])
        guard case .int8(let n) = try run1("Neg", [Tensor(shape: [2], data: .int8([-3, 4]))]).data else { return XCTFail() }
        XCTAssertEqual(n, [3, -4])
        XCTAssertNotNil(errorText { try run1("Sigmoid", [Tensor(shape: [1], int64s: [1])]) })
        let empty = try run1("Relu", [Tensor(shape: [0, 3], floats: [])])
        XCTAssertEqual(empty.shape, [0, 3])
        XCTAssertEqual(floats(empty), [])
    }

    func testClipOpsetVariants() throws {
        var rng = SeededRandom(seed: 13)
        let v = rng.floats(37, -5, 5)
        let x = Tensor(shape: [37], floats: v)
        // Opset 6: attributes, defaulting to the float range.
        let attr = try run1("Clip", [x], attributes: ["min": .float(-1), "max": .float(2)], opset: 6)
        XCTAssertEqual(floats(attr), v.map { min(max($0, -1), 2) })
        XCTAssertEqual(floats(try run1("Clip", [x], attributes: ["max": .float(0)], opset: 6)), v.map { min($0, 0) })
        // Opset 11+: optional inputs.
        XCTAssertEqual(floats(try run1("Clip", [x, Tensor(scalar: -1), Tensor(scalar: 2)], opset: 13)), v.map { min(max($0, -1), 2) })
        XCTAssertEqual(floats(try run1("Clip", [x, nil, Tensor(scalar: 1)], opset: 13)), v.map { min($0, 1) })
        XCTAssertEqual(floats(try run1("Clip", [x, Tensor(scalar: 0)], opset: 13)), v.map { max($0, 0) })
        XCTAssertEqual(floats(try run1("Clip", [x], opset: 13)), v)
        // min > max gives max everywhere.
        XCTAssertEqual(floats(try run1("Clip", [x, Tensor(scalar: 2), Tensor(scalar: 1)], opset: 13)), Array(repeating: 1, count: 37))
        // Integer tensors with integer bounds.
        let i = Tensor(shape: [5], int64s: [-9, -1, 0, 3, 9])
        XCTAssertEqual(int64s(try run1("Clip", [i, Tensor(shape: [], int64s: [-2]), Tensor(shape: [], int64s: [4])], opset: 13)), [-2, -1, 0, 3, 4])
        guard case .int8(let c8) = try run1("Clip", [Tensor(shape: [3], data: .int8([-100, 5, 100])), nil,
                                                     Tensor(shape: [], data: .int8([50]))], opset: 13).data else { return XCTFail() }
        XCTAssertEqual(c8, [-100, 5, 50])
        XCTAssertNotNil(errorText { try run1("Clip", [x, Tensor(shape: [2], floats: [0, 1])], opset: 13) })
    }

    func testPReluBroadcast() throws {
        var rng = SeededRandom(seed: 14)
        let shape = [2, 3, 4, 5]
        let x = rng.floats(120)
        for slopeShape in [[3, 1, 1], [1], [5], [2, 3, 4, 5], [1, 3, 1, 1]] {
            let s = rng.floats(slopeShape.reduce(1, *), 0, 1)
            let ref = naiveBroadcast([shape, slopeShape])
            let out = try run1("PRelu", [Tensor(shape: shape, floats: x), Tensor(shape: slopeShape, floats: s)])
            XCTAssertEqual(out.shape, shape)
            let want = (0..<120).map { i -> Float in
                let v = x[ref.indices[0][i]]
                return v < 0 ? v * s[ref.indices[1][i]] : v
            }
            XCTAssertEqual(floats(out), want, "slope \(slopeShape)")
        }
        // The slope may not grow the input.
        XCTAssertNotNil(errorText { try run1("PRelu", [Tensor(shape: [3], floats: [1, 2, 3]), Tensor(shape: [2, 3], floats: .init(repeating: 1, count: 6))]) })
    }

    /// Softmax reference in double precision along `axis` of a [outer, n, inner] view.
    private func softmaxRef(_ x: [Float], outer: Int, n: Int, inner: Int, log: Bool) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for o in 0..<outer {
            for k in 0..<inner {
                let idx = (0..<n).map { o * n * inner + $0 * inner + k }
                let m = idx.map { Double(x[$0]) }.max()!
                let s = idx.map { Foundation.exp(Double(x[$0]) - m) }.reduce(0, +)
                for i in idx { y[i] = Float(log ? Double(x[i]) - m - Foundation.log(s) : Foundation.exp(Double(x[i]) - m) / s) }
            }
        }
        return y
    }

    func testSoftmaxOpsetVariants() throws {
        var rng = SeededRandom(seed: 15)
        let shape = [2, 3, 4, 5]
        let x = rng.floats(120, -10, 10)
        let t = Tensor(shape: shape, floats: x)
        for op in ["Softmax", "LogSoftmax"] {
            let log = op == "LogSoftmax"
            // Opset 13: one axis, default -1; inner > 1 exercises the strided path.
            assertClose(floats(try run1(op, [t], opset: 13)), softmaxRef(x, outer: 24, n: 5, inner: 1, log: log), rtol: 1e-5, atol: 1e-6, op)
            assertClose(floats(try run1(op, [t], attributes: ["axis": .int(1)], opset: 13)),
                        softmaxRef(x, outer: 2, n: 3, inner: 20, log: log), rtol: 1e-5, atol: 1e-6, "\(op) axis 1")
            assertClose(floats(try run1(op, [t], attributes: ["axis": .int(-3)], opset: 13)),
                        softmaxRef(x, outer: 2, n: 3, inner: 20, log: log), rtol: 1e-5, atol: 1e-6, "\(op) axis -3")
            assertClose(floats(try run1(op, [t], attributes: ["axis": .int(0)], opset: 13)),
                        softmaxRef(x, outer: 1, n: 2, inner: 60, log: log), rtol: 1e-5, atol: 1e-6, "\(op) axis 0")
            // Opset < 13: coerced to 2-D at axis (default 1).
            assertClose(floats(try run1(op, [t], opset: 11)), softmaxRef(x, outer: 2, n: 60, inner: 1, log: log), rtol: 1e-5, atol: 1e-6, "\(op) v11")
            assertClose(floats(try run1(op, [t], attributes: ["axis": .int(2)], opset: 11)),
                        softmaxRef(x, outer: 6, n: 20, inner: 1, log: log), rtol: 1e-5, atol: 1e-6, "\(op) v11 axis 2")
            // Large inputs stay finite.
            let big = Tensor(shape: [1, 3], floats: [1000, 1001, 1002])
            assertClose(floats(try run1(op, [big])), softmaxRef([1000, 1001, 1002], outer: 1, n: 3, inner: 1, log: log), rtol: 1e-5, atol: 1e-6, "\(op) large")
            // NaN poisons its own row only.
            let nan = floats(try run1(op, [Tensor(shape: [2, 2], floats: [.nan, 1, 1, 1])]))
            XCTAssertTrue(nan[0].isNaN && nan[1].isNaN, "\(op): \(nan)")
            XCTAssertFalse(nan[2].isNaN || nan[3].isNaN)
            XCTAssertEqual(try run1(op, [Tensor(shape: [0, 4], floats: [])]).shape, [0, 4])
            XCTAssertNotNil(errorText { try run1(op, [t], attributes: ["axis": .int(4)], opset: 13) })
        }
    }

    /// Rows shorter than a vector (detection-head class scores) take a scalar path.
    func testSoftmaxShortRows() throws {
        var rng = SeededRandom(seed: 16)
        for n in 1...7 {
            let x = rng.floats(13 * n, -20, 20)
            let t = Tensor(shape: [1, 13, n], floats: x)
            for op in ["Softmax", "LogSoftmax"] {
                let log = op == "LogSoftmax"
                assertClose(floats(try run1(op, [t], opset: 13)), softmaxRef(x, outer: 13, n: n, inner: 1, log: log),
                            rtol: 1e-5, atol: 1e-6, "\(op) n \(n)")
                assertClose(floats(try run1(op, [t], attributes: ["axis": .int(2)], opset: 9)),
                            softmaxRef(x, outer: 13, n: n, inner: 1, log: log), rtol: 1e-5, atol: 1e-6, "\(op) v9 n \(n)")
            }
        }
    }
}

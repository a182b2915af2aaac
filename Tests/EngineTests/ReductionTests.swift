import XCTest
import Foundation
@testable import Engine

final class ReductionTests: XCTestCase {
    /// Naive reduction: for each output element, walk every input element that maps to it.
    private func reduceRef(_ x: [Double], _ shape: [Int], axes: Set<Int>, keepDims: Bool,
                           _ fold: ([Double]) -> Double) -> (shape: [Int], values: [Double]) {
        let keepShape = shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let outCount = keepShape.reduce(1, *)
        var groups = Array(repeating: [Double](), count: outCount)
        for flat in 0..<x.count {
            var rem = flat, outIndex = 0, mul = 1
            for d in stride(from: shape.count - 1, through: 0, by: -1) {
                let i = rem % shape[d]
                rem /= shape[d]
                if !axes.contains(d) { outIndex += i * mul }
                mul *= keepShape[d]
            }
            groups[outIndex].append(x[flat])
        }
        let outShape = keepDims ? keepShape : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        return (outShape, groups.map(fold))
    }

    private let folds: [(String, ([Double]) -> Double)] = [
        ("ReduceSum", { $0.reduce(0, +) }),
        ("ReduceMean", { $0.reduce(0, +) / Double($0.count) }),
        ("ReduceMax", { $0.max() ?? -.infinity }),
        ("ReduceMin", { $0.min() ?? .infinity }),
        ("ReduceProd", { $0.reduce(1, *) }),
        ("ReduceL1", { $0.map(abs).reduce(0, +) }),
        ("ReduceL2", { $0.map { $0 * $0 }.reduce(0, +).squareRoot() }),
        ("ReduceSumSquare", { $0.map { $0 * $0 }.reduce(0, +) }),
        ("ReduceLogSum", { Foundation.log($0.reduce(0, +)) }),
        ("ReduceLogSumExp", { Foundation.log($0.map { Foundation.exp($0) }.reduce(0, +)) }),
    ]

    /// Every reduction over every axis subset of a rank-4 tensor, with and without keepdims, with axes both as
    /// an attribute (old opsets) and as an input (new opsets).
    func testFloatReductionsMatchNaive() throws {
        var rng = SeededRandom(seed: 21)
        let shape = [2, 3, 4, 9]
        let x = rng.floats(shape.reduce(1, *), 0.5, 1.5)
        let xd = x.map(Double.init)
        let t = Tensor(shape: shape, floats: x)
        for (op, fold) in folds {
            let inputOpset = op == "ReduceSum" ? 13 : 18
            for mask in 1..<(1 << 4) {
                let axes = (0..<4).filter { mask & (1 << $0) != 0 }
                for keep in [0, 1] {
                    let ref = reduceRef(xd, shape, axes: Set(axes), keepDims: keep == 1, fold)
                    // Negative axes for variety.
                    let given = axes.map { $0 == 3 ? -1 : $0 }
                    let viaAttribute = try run1(op, [t], attributes: ["axes": .ints(given), "keepdims": .int(keep)], opset: inputOpset - 1)
                    let viaInput = try run1(op, [t, Tensor(shape: [given.count], int64s: given.map(Int64.init))],
                                            attributes: ["keepdims": .int(keep)], opset: inputOpset)
                    for out in [viaAttribute, viaInput] {
                        XCTAssertEqual(out.shape, ref.shape, "\(op) axes \(axes) keep \(keep)")
                        assertClose(floats(out), ref.values.map(Float.init), rtol: 1e-5, atol: 1e-6, "\(op) axes \(axes) keep \(keep)")
                    }
                }
            }
            // No axes: reduce everything (keepdims default 1), or pass through with noop_with_empty_axes.
            let all = try run1(op, [t], opset: inputOpset)
            XCTAssertEqual(all.shape, [1, 1, 1, 1], op)
            assertClose(floats(all), [Float(fold(xd))], rtol: 1e-5, atol: 1e-6, op)
            let noop = try run1(op, [t, Tensor(shape: [0], int64s: [])], attributes: ["noop_with_empty_axes": .int(1)], opset: inputOpset)
            XCTAssertEqual(noop.shape, shape, op)
            XCTAssertEqual(floats(noop), x, op)
        }
    }

    func testEmptySetAndErrors() throws {
        let empty = Tensor(shape: [2, 0, 3], floats: [])
        let identities: [(String, Float)] = [("ReduceSum", 0), ("ReduceProd", 1), ("ReduceMax", -.infinity),
                                             ("ReduceMin", .infinity), ("ReduceSumSquare", 0), ("ReduceL2", 0)]
        for (op, identity) in identities {
            let out = try run1(op, [empty, Tensor(shape: [1], int64s: [1])], opset: 18)
            XCTAssertEqual(out.shape, [2, 1, 3], op)
            XCTAssertEqual(floats(out), Array(repeating: identity, count: 6), op)
        }
        let kept = try run1("ReduceSum", [empty, Tensor(shape: [1], int64s: [2])], opset: 18)
        XCTAssertEqual(kept.shape, [2, 0, 1])
        XCTAssertNotNil(errorText { try run1("ReduceSum", [empty, Tensor(shape: [1], int64s: [3])], opset: 18) })
        XCTAssertNotNil(errorText { try run1("ReduceMean", [Tensor(shape: [2], floats: [1, 2])], attributes: ["axes": .ints([-2])], opset: 17) })
    }

    func testReductionsPropagateNaN() throws {
        let t = Tensor(shape: [2, 9], floats: [1, 2, .nan, 4, 5, 6, 7, 8, 9] + Array(repeating: 1, count: 9))
        for op in ["ReduceMax", "ReduceMin", "ReduceSum", "ReduceMean"] {
            let out = floats(try run1(op, [t], attributes: ["axes": .ints([1]), "keepdims": .int(0)], opset: 13))
            XCTAssertTrue(out[0].isNaN, "\(op): \(out)")
            XCTAssertFalse(out[1].isNaN, op)
        }
    }

    func testIntegerAndBoolReductions() throws {
        var rng = SeededRandom(seed: 22)
        let shape = [3, 4, 5]
        let x = (0..<60).map { _ in Int64(rng.int(-9, 9)) }
        let t = Tensor(shape: shape, int64s: x)
        let intFolds: [(String, ([Int64]) -> Int64)] = [
            ("ReduceSum", { $0.reduce(0, +) }), ("ReduceMax", { $0.max()! }), ("ReduceMin", { $0.min()! }),
            ("ReduceProd", { $0.reduce(1, *) }), ("ReduceSumSquare", { $0.map { $0 * $0 }.reduce(0, +) }),
            ("ReduceMean", { $0.reduce(0, +) / Int64($0.count) }),
        ]
        for (op, fold) in intFolds {
            for axes in [[0], [1], [2], [0, 2], [1, 2]] {
                let ref = reduceRef(x.map(Double.init), shape, axes: Set(axes), keepDims: false) { fold($0.map { Int64($0) }).asDouble }
                let out = try run1(op, [t], attributes: ["axes": .ints(axes), "keepdims": .int(0)], opset: 11)
                XCTAssertEqual(out.shape, ref.shape, op)
                XCTAssertEqual(int64s(out), ref.values.map { Int64($0) }, "\(op) \(axes)")
            }
        }
        let b = Tensor(shape: [2, 3], data: .bool([true, false, false, true, true, true]))
        XCTAssertEqual(bools(try run1("ReduceMax", [b], attributes: ["axes": .ints([1]), "keepdims": .int(0)], opset: 17)), [true, true])
        XCTAssertEqual(bools(try run1("ReduceMin", [b], attributes: ["axes": .ints([1]), "keepdims": .int(0)], opset: 17)), [false, true])
    }

    func testArgMaxArgMin() throws {
        var rng = SeededRandom(seed: 23)
        let shape = [3, 4, 5]
        // Few distinct values so ties are common.
        let x = (0..<60).map { _ in Float(rng.int(0, 3)) }
        for op in ["ArgMax", "ArgMin"] {
            for axis in -3..<3 {
                for last in [0, 1] {
                    for keep in [0, 1] {
                        let a = axis < 0 ? axis + 3 : axis
                        var outShape = shape
                        outShape[a] = 1
                        let outer = shape[..<a].reduce(1, *), n = shape[a], inner = shape[(a + 1)...].reduce(1, *)
                        var want: [Int64] = []
                        for o in 0..<outer {
                            for k in 0..<inner {
                                let values = (0..<n).map { x[o * n * inner + $0 * inner + k] }
                                let target = op == "ArgMax" ? values.max()! : values.min()!
                                let hit = last == 1 ? values.lastIndex(of: target)! : values.firstIndex(of: target)!
                                want.append(Int64(hit))
                            }
                        }
                        if keep == 0 { outShape.remove(at: a) }
                        let attrs: [String: AttributeValue] = ["axis": .int(axis), "keepdims": .int(keep), "select_last_index": .int(last)]
                        let out = try run1(op, [Tensor(shape: shape, floats: x)], attributes: attrs)
                        XCTAssertEqual(out.shape, outShape, "\(op) axis \(axis)")
                        XCTAssertEqual(int64s(out), want, "\(op) axis \(axis) last \(last)")
                        let outInt = try run1(op, [Tensor(shape: shape, data: .int32(x.map { Int32($0) }))], attributes: attrs)
                        XCTAssertEqual(int64s(outInt), want, "\(op) int32 axis \(axis) last \(last)")
                    }
                }
            }
        }
        // Default axis 0, keepdims 1.
        let d = try run1("ArgMax", [Tensor(shape: [2, 2], floats: [1, 5, 3, 2])])
        XCTAssertEqual(d.shape, [1, 2])
        XCTAssertEqual(int64s(d), [1, 0])
        XCTAssertNotNil(errorText { try run1("ArgMax", [Tensor(shape: [2, 0], floats: [])], attributes: ["axis": .int(1)]) })
    }
}

private extension Int64 {
    var asDouble: Double { Double(self) }
}

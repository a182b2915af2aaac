import XCTest
import Foundation
@testable import Engine

final class ElementwiseTests: XCTestCase {
    /// Shape pairs covering same-shape, scalar, per-channel (NCHW * NC11), two-sided, tails and empty tensors.
    let shapePairs: [([Int], [Int])] = [
        ([2, 3, 4], [2, 3, 4]), ([17], [17]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]), ([1, 3, 1], [2, 1, 5]),
        ([2, 16, 5, 7], [2, 16, 1, 1]), ([2, 16, 5, 7], [16, 1, 1]), ([], [3, 2]), ([3, 2], []), ([5], [1]),
        ([4, 1], [1, 9]), ([2, 3, 0], [3, 1]), ([1, 1, 11], [6, 1, 1]), ([3, 1, 4, 1], [1, 5, 1, 6]),
    ]

    func testFloatArithmeticMatchesNaiveBroadcast() throws {
        var rng = SeededRandom(seed: 1)
        let ops: [(String, (Float, Float) -> Float)] = [
            ("Add", { $0 + $1 }), ("Sub", { $0 - $1 }), ("Mul", { $0 * $1 }), ("Div", { $0 / $1 }),
            ("Max", { max($0, $1) }), ("Min", { min($0, $1) }), ("Pow", { powf($0, $1) }),
        ]
        for (sa, sb) in shapePairs {
            let na = sa.reduce(1, *), nb = sb.reduce(1, *)
            let a = rng.floats(na, 0.1, 3), b = rng.floats(nb, -2, 2)
            let ref = naiveBroadcast([sa, sb])
            for (op, f) in ops {
                let out = try run1(op, [Tensor(shape: sa, floats: a), Tensor(shape: sb, floats: b)])
                XCTAssertEqual(out.shape, ref.shape, "\(op) \(sa) \(sb)")
                let want = (0..<ref.indices[0].count).map { f(a[ref.indices[0][$0]], b[ref.indices[1][$0]]) }
                assertClose(floats(out), want, rtol: 2e-6, "\(op) \(sa) \(sb)")
            }
        }
    }

    func testIntegerArithmetic() throws {
        var rng = SeededRandom(seed: 2)
        for (sa, sb) in shapePairs {
            let a = (0..<sa.reduce(1, *)).map { _ in Int64(rng.int(-50, 50)) }
            let b = (0..<sb.reduce(1, *)).map { _ in Int64(rng.int(1, 9) * (rng.int(0, 1) == 0 ? -1 : 1)) }
            let ref = naiveBroadcast([sa, sb])
            let ops: [(String, (Int64, Int64) -> Int64)] = [
                ("Add", { $0 + $1 }), ("Sub", { $0 - $1 }), ("Mul", { $0 * $1 }), ("Div", { $0 / $1 }),
                ("Max", { max($0, $1) }), ("Min", { min($0, $1) }),
            ]
            for (op, f) in ops {
                let out64 = try run1(op, [Tensor(shape: sa, int64s: a), Tensor(shape: sb, int64s: b)])
                let want = (0..<ref.indices[0].count).map { f(a[ref.indices[0][$0]], b[ref.indices[1][$0]]) }
                XCTAssertEqual(out64.shape, ref.shape)
                XCTAssertEqual(int64s(out64), want, "\(op) int64 \(sa) \(sb)")
                let out32 = try run1(op, [Tensor(shape: sa, data: .int32(a.map { Int32($0) })),
                                          Tensor(shape: sb, data: .int32(b.map { Int32($0) }))])
                guard case .int32(let got32) = out32.data else { return XCTFail("int32 \(op) gave \(out32.dtype.name)") }
                XCTAssertEqual(got32, want.map { Int32($0) }, "\(op) int32 \(sa) \(sb)")
            }
        }
    }

    func testIntegerDivisionTruncatesAndEdgeCases() throws {
        let q = try run1("Div", [Tensor(shape: [4], int64s: [-7, 7, -7, 7]), Tensor(shape: [4], int64s: [2, -2, -2, 2])])
        XCTAssertEqual(int64s(q), [-3, -3, 3, 3])
        // Int64.min / -1 and overflowing products wrap instead of trapping.
        let w = try run1("Div", [Tensor(shape: [1], int64s: [Int64.min]), Tensor(shape: [1], int64s: [-1])])
        XCTAssertEqual(int64s(w), [Int64.min])
        let m = try run1("Mul", [Tensor(shape: [1], int64s: [Int64.max]), Tensor(shape: [1], int64s: [2])])
        XCTAssertEqual(int64s(m), [-2])
        let zero = errorText { try run1("Div", [Tensor(shape: [2], int64s: [1, 2]), Tensor(shape: [2], int64s: [1, 0])]) }
        XCTAssertTrue(zero?.contains("division by zero") ?? false, zero ?? "did not throw")
        // Shape arithmetic as exported graphs do it: int64 scalars with int64 vectors.
        let s = try run1("Mul", [Tensor(shape: [], int64s: [3]), Tensor(shape: [2], int64s: [4, 5])])
        XCTAssertEqual(s.shape, [2])
        XCTAssertEqual(int64s(s), [12, 15])
    }

    func testMismatchedTypesAndShapesThrow() {
        let t = errorText { try run1("Add", [Tensor(shape: [2], floats: [1, 2]), Tensor(shape: [2], int64s: [1, 2])]) }
        XCTAssertTrue(t?.contains("float32") ?? false, t ?? "did not throw")
        let s = errorText { try run1("Add", [Tensor(shape: [2, 3], floats: .init(repeating: 1, count: 6)),
                                             Tensor(shape: [2], floats: [1, 2])]) }
        XCTAssertTrue(s?.contains("broadcast") ?? false, s ?? "did not throw")
        let b = errorText { try run1("Add", [Tensor(shape: [1], data: .bool([true])), Tensor(shape: [1], data: .bool([true]))]) }
        XCTAssertNotNil(b)
    }

    func testVariadicSumMeanMaxMin() throws {
        var rng = SeededRandom(seed: 3)
        let shapes = [[3, 1, 4], [2, 1], [4]]
        let data = shapes.map { rng.floats($0.reduce(1, *)) }
        let ref = naiveBroadcast(shapes)
        let inputs = zip(shapes, data).map { Tensor(shape: $0, floats: $1) }
        func value(_ k: Int, _ i: Int) -> Float { data[k][ref.indices[k][i]] }
        let n = ref.indices[0].count
        let cases: [(String, (Int) -> Float)] = [
            ("Sum", { value(0, $0) + value(1, $0) + value(2, $0) }),
            ("Mean", { (value(0, $0) + value(1, $0) + value(2, $0)) / 3 }),
            ("Max", { max(value(0, $0), value(1, $0), value(2, $0)) }),
            ("Min", { min(value(0, $0), value(1, $0), value(2, $0)) }),
        ]
        for (op, f) in cases {
            let out = try run1(op, inputs)
            XCTAssertEqual(out.shape, [3, 2, 4], op)
            assertClose(floats(out), (0..<n).map(f), rtol: 1e-6, op)
        }
        // A single input passes through.
        XCTAssertEqual(floats(try run1("Sum", [inputs[0]])), data[0])
        XCTAssertEqual(floats(try run1("Max", [inputs[2]])), data[2])
    }

    func testMaxMinPropagateNaN() throws {
        let a = Tensor(shape: [10], floats: [.nan, 1, 2, .nan, 4, 5, 6, 7, 8, .nan])
        let b = Tensor(shape: [10], floats: [0, .nan, 3, .nan, 1, 9, 6, -7, 8, 1])
        for op in ["Max", "Min"] {
            let out = floats(try run1(op, [a, b]))
            XCTAssertTrue(out[0].isNaN && out[1].isNaN && out[3].isNaN && out[9].isNaN, "\(op): \(out)")
            XCTAssertEqual(out[2], op == "Max" ? 3 : 2)
            XCTAssertEqual(out[7], op == "Max" ? 7 : -7)
        }
        let sum = floats(try run1("Add", [a, Tensor(scalar: 1)]))
        XCTAssertTrue(sum[0].isNaN)
        XCTAssertEqual(sum[1], 2)
    }

    func testPowTypesAndSquareFastPath() throws {
        var rng = SeededRandom(seed: 4)
        let x = rng.floats(19, -3, 3)
        let sq = try run1("Pow", [Tensor(shape: [19], floats: x), Tensor(scalar: 2)])
        XCTAssertEqual(floats(sq), x.map { $0 * $0 })
        let ie = try run1("Pow", [Tensor(shape: [3], floats: [2, -3, 0.5]), Tensor(shape: [3], int64s: [3, 2, -1])])
        assertClose(floats(ie), [8, 9, 2])
        let ib = try run1("Pow", [Tensor(shape: [3], int64s: [2, 3, -2]), Tensor(shape: [3], floats: [3, 2, 3])])
        XCTAssertEqual(int64s(ib), [8, 9, -8])
        let ii = try run1("Pow", [Tensor(shape: [4], data: .int32([2, 3, 1, -1])), Tensor(shape: [4], data: .int32([10, 0, -3, 3]))])
        guard case .int32(let r) = ii.data else { return XCTFail("int32 expected") }
        XCTAssertEqual(r, [1024, 1, 1, -1])
    }

    func testComparisons() throws {
        var rng = SeededRandom(seed: 5)
        let sa = [2, 3, 4], sb = [3, 1]
        // Small integer-valued floats so ties occur.
        let a = (0..<24).map { _ in Float(rng.int(-2, 2)) }, b = (0..<3).map { _ in Float(rng.int(-2, 2)) }
        let ref = naiveBroadcast([sa, sb])
        let ops: [(String, (Float, Float) -> Bool)] = [
            ("Equal", { $0 == $1 }), ("Less", { $0 < $1 }), ("Greater", { $0 > $1 }),
            ("LessOrEqual", { $0 <= $1 }), ("GreaterOrEqual", { $0 >= $1 }),
        ]
        for (op, f) in ops {
            let want = (0..<24).map { f(a[ref.indices[0][$0]], b[ref.indices[1][$0]]) }
            let out = try run1(op, [Tensor(shape: sa, floats: a), Tensor(shape: sb, floats: b)])
            XCTAssertEqual(out.shape, sa)
            XCTAssertEqual(bools(out), want, op)
            let outInt = try run1(op, [Tensor(shape: sa, int64s: a.map { Int64($0) }), Tensor(shape: sb, int64s: b.map { Int64($0) })])
            XCTAssertEqual(bools(outInt), want, "\(op) int64")
            let outI32 = try run1(op, [Tensor(shape: sa, data: .int32(a.map { Int32($0) })), Tensor(shape: sb, data: .int32(b.map { Int32($0) }))])
            XCTAssertEqual(bools(outI32), want, "\(op) int32")
        }
        let nan = try run1("Equal", [Tensor(shape: [2], floats: [.nan, 1]), Tensor(shape: [2], floats: [.nan, 1])])
        XCTAssertEqual(bools(nan), [false, true])
        let eqBool = try run1("Equal", [Tensor(shape: [4], data: .bool([true, false, true, false])), Tensor(shape: [1], data: .bool([true]))])
        XCTAssertEqual(bools(eqBool), [true, false, true, false])
        XCTAssertNotNil(errorText { try run1("Less", [Tensor(shape: [1], data: .bool([true])), Tensor(shape: [1], data: .bool([true]))]) })
    }

    func testLogicalOps() throws {
        let a = Tensor(shape: [4, 1], data: .bool([false, true, false, true]))
        let b = Tensor(shape: [2], data: .bool([false, true]))
        let ref = naiveBroadcast([[4, 1], [2]])
        let av: [Bool] = [false, true, false, true], bv: [Bool] = [false, true]
        for (op, f) in [("And", { (x: Bool, y: Bool) in x && y }), ("Or", { $0 || $1 }), ("Xor", { $0 != $1 })] {
            let out = try run1(op, [a, b])
            XCTAssertEqual(out.shape, [4, 2])
            XCTAssertEqual(bools(out), (0..<8).map { f(av[ref.indices[0][$0]], bv[ref.indices[1][$0]]) }, op)
        }
        XCTAssertEqual(bools(try run1("Not", [a])), [true, false, true, false])
        XCTAssertNotNil(errorText { try run1("And", [Tensor(scalar: 1), Tensor(scalar: 1)]) })
    }

    func testWhereThreeWayBroadcast() throws {
        var rng = SeededRandom(seed: 6)
        let sc = [2, 1, 4], sx = [3, 1], sy = [1]
        let c = (0..<8).map { _ in rng.int(0, 1) == 1 }
        let x = rng.floats(3), y = rng.floats(1)
        let ref = naiveBroadcast([sc, sx, sy])
        let out = try run1("Where", [Tensor(shape: sc, data: .bool(c)), Tensor(shape: sx, floats: x), Tensor(shape: sy, floats: y)])
        XCTAssertEqual(out.shape, [2, 3, 4])
        let want = (0..<24).map { c[ref.indices[0][$0]] ? x[ref.indices[1][$0]] : y[ref.indices[2][$0]] }
        XCTAssertEqual(floats(out), want)
        // Any element type.
        let xi = (0..<3).map { Int64($0) }, yi: [Int64] = [-1]
        let outInt = try run1("Where", [Tensor(shape: sc, data: .bool(c)), Tensor(shape: sx, int64s: xi), Tensor(shape: sy, int64s: yi)])
        XCTAssertEqual(int64s(outInt), (0..<24).map { c[ref.indices[0][$0]] ? xi[ref.indices[1][$0]] : -1 })
        let outBool = try run1("Where", [Tensor(shape: [2], data: .bool([true, false])), Tensor(shape: [2], data: .bool([false, false])),
                                          Tensor(shape: [], data: .bool([true]))])
        XCTAssertEqual(bools(outBool), [false, true])
        XCTAssertNotNil(errorText { try run1("Where", [Tensor(shape: [1], data: .bool([true])), Tensor(scalar: 1), Tensor(shape: [], int64s: [1])]) })
        let empty = try run1("Where", [Tensor(shape: [0], data: .bool([])), Tensor(scalar: 1), Tensor(scalar: 2)])
        XCTAssertEqual(empty.shape, [0])
    }

    func testCast() throws {
        let f = Tensor(shape: [7], floats: [-2.7, -0.5, 0, 0.9, 3.5, 300, .nan])
        func cast(_ t: Tensor, _ to: DType) throws -> Tensor { try run1("Cast", [t], attributes: ["to": .int(to.rawValue)]) }
        XCTAssertEqual(int64s(try cast(f, .int64)), [-2, 0, 0, 0, 3, 300, 0])
        guard case .int32(let i32) = try cast(f, .int32).data else { return XCTFail() }
        XCTAssertEqual(i32, [-2, 0, 0, 0, 3, 300, 0])
        guard case .int8(let i8) = try cast(f, .int8).data else { return XCTFail() }
        XCTAssertEqual(i8, [-2, 0, 0, 0, 3, 127, 0])
        guard case .uint8(let u8) = try cast(f, .uint8).data else { return XCTFail() }
        XCTAssertEqual(u8, [0, 0, 0, 0, 3, 255, 0])
        XCTAssertEqual(bools(try cast(f, .bool)), [true, true, false, true, true, true, true])
        let i = Tensor(shape: [4], int64s: [-1, 0, 257, 1 << 40])
        XCTAssertEqual(floats(try cast(i, .float)), [-1, 0, 257, Float(1 << 40)])
        guard case .uint8(let w) = try cast(i, .uint8).data else { return XCTFail() }
        XCTAssertEqual(w, [255, 0, 1, 0])
        guard case .int32(let w32) = try cast(i, .int32).data else { return XCTFail() }
        XCTAssertEqual(w32, [-1, 0, 257, 0])
        let b = Tensor(shape: [2], data: .bool([true, false]))
        XCTAssertEqual(floats(try cast(b, .float)), [1, 0])
        XCTAssertEqual(int64s(try cast(b, .int64)), [1, 0])
        let same = try cast(f, .float)
        assertClose(floats(same), [-2.7, -0.5, 0, 0.9, 3.5, 300, .nan])
        let bad = errorText { try run1("Cast", [f], attributes: ["to": .int(10)]) }
        XCTAssertTrue(bad?.contains("FLOAT16") ?? false, bad ?? "did not throw")
        let like = try run1("CastLike", [f, Tensor(shape: [0], int64s: [])])
        XCTAssertEqual(like.dtype, .int64)
    }
}

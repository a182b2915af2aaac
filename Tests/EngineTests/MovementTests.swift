import XCTest
@testable import Engine

final class MovementTests: XCTestCase {
    // MARK: naive references

    /// out[idx] = x[map(idx)] for every output index, the plainest possible gather.
    private func naive(_ x: [Float], _ inShape: [Int], _ outShape: [Int], _ map: ([Int]) -> [Int]?,
                       fill: Float = 0) -> [Float] {
        (0..<outShape.reduce(1, *)).map { o in
            guard let src = map(shapeOpsIndex(o, outShape)) else { return fill }
            return x[shapeOpsFlat(src, inShape)]
        }
    }

    private func naiveSlice(_ x: [Float], _ shape: [Int], starts: [Int], ends: [Int], axes: [Int], steps: [Int])
        -> (shape: [Int], values: [Float]) {
        var picks = shape.map { Array(0..<$0) }
        for i in 0..<starts.count {
            let a = axes[i] < 0 ? axes[i] + shape.count : axes[i]
            let d = shape[a]
            var list: [Int] = []
            var s = starts[i] < 0 ? starts[i] + d : starts[i]
            var e = ends[i] < 0 ? ends[i] + d : ends[i]
            if steps[i] > 0 {
                s = min(max(s, 0), d); e = min(max(e, 0), d)
                var j = s
                while j < e {
                    list.append(j)
                    let (n, overflow) = j.addingReportingOverflow(steps[i]); if overflow { break }; j = n
                }
            } else {
                s = min(max(s, 0), d - 1); e = min(max(e, -1), d - 1)
                var j = s
                while j > e {
                    list.append(j)
                    let (n, overflow) = j.addingReportingOverflow(steps[i]); if overflow { break }; j = n
                }
            }
            picks[a] = list
        }
        let out = picks.map(\.count)
        return (out, naive(x, shape, out) { idx in idx.enumerated().map { picks[$0.offset][$0.element] } })
    }

    // MARK: Concat

    func testConcatMatchesNaiveForEveryAxis() throws {
        var rng = ShapeOpsRandom(seed: 1)
        for axis in -3..<3 {
            let a = (axis + 3) % 3
            var shapes: [[Int]] = []
            for k in 0..<3 { var s = [2, 3, 4]; s[a] = k + 1; shapes.append(s) }
            shapes[1][a] = 0  // an empty part is allowed
            let parts = shapes.map { rng.tensor($0) }
            let y = try runShapeOp1("Concat", parts, attributes: ["axis": .int(axis)])
            var out = [2, 3, 4]; out[a] = shapes.map { $0[a] }.reduce(0, +)
            XCTAssertEqual(y.shape, out)
            let ys = try y.floats()
            for o in 0..<ys.count {
                var idx = shapeOpsIndex(o, out)
                var part = 0
                while idx[a] >= shapes[part][a] { idx[a] -= shapes[part][a]; part += 1 }
                XCTAssertEqual(ys[o], try parts[part].floats()[shapeOpsFlat(idx, shapes[part])])
            }
        }
    }

    func testConcatInt64AndBoolAndTypeMismatch() throws {
        let a = Tensor(shape: [2, 1], data: .int64([1, 2])), b = Tensor(shape: [2, 2], data: .int64([3, 4, 5, 6]))
        XCTAssertEqual(try runShapeOp1("Concat", [a, b], attributes: ["axis": .int(-1)]).int64s(), [1, 3, 4, 2, 5, 6])
        let t = Tensor(shape: [1], data: .bool([true])), f = Tensor(shape: [2], data: .bool([false, true]))
        guard case .bool(let v) = try runShapeOp1("Concat", [t, f], attributes: ["axis": .int(0)]).data else { return XCTFail() }
        XCTAssertEqual(v, [true, false, true])
        XCTAssertThrowsError(try runShapeOp1("Concat", [a, Tensor(shape: [2, 1], floats: [0, 0])], attributes: ["axis": .int(1)]))
        XCTAssertThrowsError(try runShapeOp1("Concat", [a, Tensor(shape: [3, 1], data: .int64([0, 0, 0]))], attributes: ["axis": .int(1)]))
    }

    // MARK: Split

    func testSplitVariantsAcrossOpsets() throws {
        let x = Tensor(shape: [2, 5], floats: (0..<10).map(Float.init))
        // Attribute before opset 13.
        let a = try runShapeOp("Split", [x], attributes: ["axis": .int(1), "split": .ints([2, 3])], opset: 11, outputs: 2)
        XCTAssertEqual(try a[0].floats(), [0, 1, 5, 6])
        XCTAssertEqual(try a[1].floats(), [2, 3, 4, 7, 8, 9])
        // Input from opset 13, negative axis, a zero-sized piece.
        let b = try runShapeOp("Split", [x, .i64([1, 0, 4])], attributes: ["axis": .int(-1)], opset: 13, outputs: 3)
        XCTAssertEqual(b.map(\.shape), [[2, 1], [2, 0], [2, 4]])
        XCTAssertEqual(try b[2].floats(), [1, 2, 3, 4, 6, 7, 8, 9])
        // num_outputs (opset 18): uneven last chunk.
        let c = try runShapeOp("Split", [x], attributes: ["axis": .int(1), "num_outputs": .int(2)], opset: 18, outputs: 2)
        XCTAssertEqual(c.map(\.shape), [[2, 3], [2, 2]])
        XCTAssertEqual(try c[1].floats(), [3, 4, 8, 9])
        // Equal split by output count, int64 data.
        let d = try runShapeOp("Split", [Tensor(shape: [4], data: .int64([1, 2, 3, 4]))], opset: 13, outputs: 2)
        XCTAssertEqual(d.map { $0.int64s() }, [[1, 2], [3, 4]])
        XCTAssertThrowsError(try runShapeOp("Split", [x, .i64([2, 2])], attributes: ["axis": .int(1)], outputs: 2))
    }

    // MARK: Slice

    func testSliceMatchesNaiveOnRandomArguments() throws {
        var rng = ShapeOpsRandom(seed: 7)
        let shape = [3, 4, 5]
        let x = rng.tensor(shape)
        let xs = try x.floats()
        let big = Int(Int64.max), small = Int(Int64.min)
        for _ in 0..<200 {
            let k = rng.int(1...3)
            let axes = Array([0, 1, 2].shuffled(using: &rng).prefix(k)).map { rng.int(0...1) == 0 ? $0 : $0 - 3 }
            var starts: [Int] = [], ends: [Int] = [], steps: [Int] = []
            for _ in 0..<k {
                let pool = [-7, -3, -1, 0, 1, 2, 4, 9, big, small]
                starts.append(pool[rng.int(0...pool.count - 1)])
                ends.append(pool[rng.int(0...pool.count - 1)])
                let stepPool = [1, 1, 2, 3, -1, -2, big, small]
                steps.append(stepPool[rng.int(0...stepPool.count - 1)])
            }
            let want = naiveSlice(xs, shape, starts: starts, ends: ends, axes: axes, steps: steps)
            let y = try runShapeOp1("Slice", [x, .i64(starts), .i64(ends), .i64(axes), .i64(steps)])
            XCTAssertEqual(y.shape, want.shape, "starts \(starts) ends \(ends) axes \(axes) steps \(steps)")
            XCTAssertEqual(try y.floats(), want.values, "starts \(starts) ends \(ends) axes \(axes) steps \(steps)")
        }
    }

    func testSliceOpset9AttributesDefaultsAndBool() throws {
        let x = Tensor(shape: [2, 4], data: .bool([true, false, true, false, false, false, true, true]))
        let y = try runShapeOp1("Slice", [x], attributes: ["starts": .ints([1]), "ends": .ints([1000]), "axes": .ints([1])], opset: 9)
        XCTAssertEqual(y.shape, [2, 3])
        guard case .bool(let v) = y.data else { return XCTFail() }
        XCTAssertEqual(v, [false, true, false, false, true, true])
        // Opset 10+: axes and steps omitted.
        let z = try runShapeOp1("Slice", [Tensor(shape: [5], data: .int64([0, 1, 2, 3, 4])), .i64([-2]), .i64([Int(Int64.max)])])
        XCTAssertEqual(z.int64s(), [3, 4])
        let empty = try runShapeOp1("Slice", [Tensor(shape: [5], data: .int64([0, 1, 2, 3, 4])), .i64([3]), .i64([1])])
        XCTAssertEqual(empty.shape, [0])
        XCTAssertThrowsError(try runShapeOp1("Slice", [x, .i64([0]), .i64([1]), .i64([1]), .i64([0])]))
        XCTAssertThrowsError(try runShapeOp1("Slice", [x, .i64([0, 0]), .i64([1, 1]), .i64([1, -1])]))
    }

    // MARK: Transpose, Tile, DepthToSpace, SpaceToDepth

    func testTransposeMatchesNaiveForAllPermutations() throws {
        var rng = ShapeOpsRandom(seed: 11)
        let shape = [2, 3, 1, 4]
        let x = rng.tensor(shape)
        let xs = try x.floats()
        func perms(_ a: [Int]) -> [[Int]] {
            a.count <= 1 ? [a] : a.indices.flatMap { i -> [[Int]] in
                var rest = a; let h = rest.remove(at: i)
                return perms(rest).map { [h] + $0 }
            }
        }
        for p in perms([0, 1, 2, 3]) {
            let y = try runShapeOp1("Transpose", [x], attributes: ["perm": .ints(p)])
            let out = p.map { shape[$0] }
            XCTAssertEqual(y.shape, out)
            let want = naive(xs, shape, out) { idx in
                var src = [0, 0, 0, 0]
                for (k, a) in p.enumerated() { src[a] = idx[k] }
                return src
            }
            XCTAssertEqual(try y.floats(), want, "perm \(p)")
        }
        let i = Tensor(shape: [2, 3], data: .int8([1, 2, 3, 4, 5, 6]))
        let t = try runShapeOp1("Transpose", [i])
        XCTAssertEqual(t.shape, [3, 2])
        XCTAssertEqual(t.ints(), [1, 4, 2, 5, 3, 6])
        XCTAssertThrowsError(try runShapeOp1("Transpose", [i], attributes: ["perm": .ints([0, 0])]))
    }

    func testLargeTransposesSpanningSeveralTilesMatchNaive() throws {
        var rng = ShapeOpsRandom(seed: 12)
        for (shape, p) in [([2, 40, 70], [0, 2, 1]), ([3, 33, 5, 37], [0, 2, 3, 1]), ([2, 37, 33], [2, 1, 0]),
                           ([65, 3, 64], [2, 1, 0])] {
            let x = rng.tensor(shape)
            let out = p.map { shape[$0] }
            let y = try runShapeOp1("Transpose", [x], attributes: ["perm": .ints(p)])
            let want = naive(try x.floats(), shape, out) { idx in
                var src = Array(repeating: 0, count: shape.count)
                for (k, a) in p.enumerated() { src[a] = idx[k] }
                return src
            }
            XCTAssertEqual(try y.floats(), want, "shape \(shape) perm \(p)")
        }
    }

    func testTileMatchesNaive() throws {
        var rng = ShapeOpsRandom(seed: 5)
        let x = rng.tensor([2, 3])
        let y = try runShapeOp1("Tile", [x, .i64([3, 2])])
        XCTAssertEqual(y.shape, [6, 6])
        XCTAssertEqual(try y.floats(), naive(try x.floats(), [2, 3], [6, 6]) { [$0[0] % 2, $0[1] % 3] })
        XCTAssertEqual(try runShapeOp1("Tile", [x, .i64([0, 1])]).shape, [0, 3])
        let u = try runShapeOp1("Tile", [Tensor(shape: [2], data: .uint8([1, 2])), .i64([3])])
        XCTAssertEqual(u.ints(), [1, 2, 1, 2, 1, 2])
        XCTAssertThrowsError(try runShapeOp1("Tile", [x, .i64([2])]))
    }

    func testDepthToSpaceBothModesAndSpaceToDepthInverse() throws {
        var rng = ShapeOpsRandom(seed: 9)
        let b = 2, n = 2, c = 3, h = 2, w = 3
        let x = rng.tensor([n, c * b * b, h, w])
        let xs = try x.floats()
        let out = [n, c, h * b, w * b]
        for mode in ["DCR", "CRD"] {
            let y = try runShapeOp1("DepthToSpace", [x], attributes: ["blocksize": .int(b), "mode": .string(mode)])
            XCTAssertEqual(y.shape, out)
            let want = naive(xs, x.shape, out) { i in
                let (bh, bw) = (i[2] % b, i[3] % b)
                let channel = mode == "DCR" ? (bh * b + bw) * c + i[1] : i[1] * b * b + bh * b + bw
                return [i[0], channel, i[2] / b, i[3] / b]
            }
            XCTAssertEqual(try y.floats(), want, mode)
        }
        let d2s = try runShapeOp1("DepthToSpace", [x], attributes: ["blocksize": .int(b)])
        let back = try runShapeOp1("SpaceToDepth", [d2s], attributes: ["blocksize": .int(b)])
        XCTAssertEqual(back.shape, x.shape)
        XCTAssertEqual(try back.floats(), xs)
        XCTAssertThrowsError(try runShapeOp1("SpaceToDepth", [rng.tensor([1, 1, 3, 4])], attributes: ["blocksize": .int(2)]))
    }

    // MARK: Gather

    func testGatherMatchesNaiveWithNegativeIndices() throws {
        var rng = ShapeOpsRandom(seed: 13)
        let shape = [3, 4, 2]
        let x = rng.tensor(shape)
        let xs = try x.floats()
        let indices = Tensor(shape: [2, 2], data: .int32([0, -1, 1, -2]))
        for axis in [0, 1, -1] {
            let a = (axis + 3) % 3
            let y = try runShapeOp1("Gather", [x, indices], attributes: ["axis": .int(axis)])
            let out = Array(shape[..<a]) + [2, 2] + Array(shape[(a + 1)...])
            XCTAssertEqual(y.shape, out)
            let raw = indices.ints()
            let want = naive(xs, shape, out) { i in
                var k = raw[i[a] * 2 + i[a + 1]]
                if k < 0 { k += shape[a] }
                var src = Array(i[..<a]) + [k]
                src += i[(a + 2)...]
                return src
            }
            XCTAssertEqual(try y.floats(), want, "axis \(axis)")
        }
        let s = try runShapeOp1("Gather", [Tensor(shape: [3], data: .int64([5, 6, 7])), Tensor(shape: [], int64s: [-1])])
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(s.int64s(), [7])
        XCTAssertThrowsError(try runShapeOp1("Gather", [x, .i64([3])]))
    }

    func testGatherElements() throws {
        let x = Tensor(shape: [2, 2], data: .int64([1, 2, 3, 4]))
        let i = Tensor(shape: [2, 2], int64s: [0, 0, 1, -2])
        XCTAssertEqual(try runShapeOp1("GatherElements", [x, i], attributes: ["axis": .int(1)]).int64s(), [1, 1, 4, 3])
        XCTAssertEqual(try runShapeOp1("GatherElements", [x, i], attributes: ["axis": .int(0)]).int64s(), [1, 2, 3, 2])
        XCTAssertThrowsError(try runShapeOp1("GatherElements", [x, Tensor(shape: [2, 2], int64s: [0, 0, 2, 0])]))
    }

    // MARK: Pad

    private func naivePadSource(_ i: Int, _ n: Int, _ mode: String) -> Int? {
        if i >= 0 && i < n { return i }
        switch mode {
        case "edge": return i < 0 ? 0 : n - 1
        case "wrap": return ((i % n) + n) % n
        case "reflect":
            // Mirror step by step, as numpy does for pads wider than the axis.
            var j = i
            while j < 0 || j >= n { j = j < 0 ? -j : 2 * (n - 1) - j }
            return j
        default: return nil
        }
    }

    func testPadModesMatchNaive() throws {
        var rng = ShapeOpsRandom(seed: 17)
        let shape = [2, 3, 4]
        let x = rng.tensor(shape)
        let xs = try x.floats()
        for mode in ["constant", "reflect", "edge", "wrap"] {
            for pads in [[0, 1, 2, 1, 0, 3], [1, -1, 5, 0, 2, -2], [0, 0, 0, 0, 0, 0]] {
                let y = try runShapeOp1("Pad", [x, .i64(pads), Tensor(scalar: 9)], attributes: ["mode": .string(mode)])
                let out = (0..<3).map { shape[$0] + pads[$0] + pads[$0 + 3] }
                XCTAssertEqual(y.shape, out)
                let want = naive(xs, shape, out, { i in
                    var src: [Int] = []
                    for d in 0..<3 {
                        guard let s = self.naivePadSource(i[d] - pads[d], shape[d], mode) else { return nil }
                        src.append(s)
                    }
                    return src
                }, fill: 9)
                XCTAssertEqual(try y.floats(), want, "\(mode) \(pads)")
            }
        }
    }

    func testPadOpsetVariantsAndTypes() throws {
        let x = Tensor(shape: [2, 2], data: .int64([1, 2, 3, 4]))
        // Opset 2: attributes.
        let a = try runShapeOp1("Pad", [x], attributes: ["pads": .ints([0, 1, 0, 0]), "value": .float(7)], opset: 2)
        XCTAssertEqual(a.int64s(), [7, 1, 2, 7, 3, 4])
        // Opset 11: no constant value means zero.
        XCTAssertEqual(try runShapeOp1("Pad", [x, .i64([1, 0, 0, 0])], opset: 11).int64s(), [0, 0, 1, 2, 3, 4])
        // Opset 18: axes input, negative axis.
        let c = try runShapeOp1("Pad", [x, .i64([1, 1]), Tensor(shape: [], int64s: [5]), .i64([-1])], opset: 18)
        XCTAssertEqual(c.int64s(), [5, 1, 2, 5, 5, 3, 4, 5])
        let b = Tensor(shape: [2], data: .bool([true, false]))
        guard case .bool(let v) = try runShapeOp1("Pad", [b, .i64([1, 2])], attributes: ["mode": .string("edge")]).data else {
            return XCTFail()
        }
        XCTAssertEqual(v, [true, true, false, false, false])
        XCTAssertThrowsError(try runShapeOp1("Pad", [x, .i64([0, -3, 0, 0])]))
        XCTAssertThrowsError(try runShapeOp1("Pad", [x, .i64([1, 1])]))
    }
}

extension MovementTests {
    func testScalarsAndAbsurdArgumentsFailWithErrors() throws {
        let s = Tensor(scalar: 1)
        XCTAssertThrowsError(try runShapeOp1("Concat", [s, s], attributes: ["axis": .int(0)]))
        XCTAssertThrowsError(try runShapeOp1("Gather", [s, .i64([0])]))
        XCTAssertThrowsError(try runShapeOp1("Slice", [s, .i64([0]), .i64([1])]))
        XCTAssertThrowsError(try runShapeOp("Split", [s], outputs: 1))
        XCTAssertThrowsError(try runShapeOp1("Pad", [s, .i64([0, 0]), nil, .i64([0])]))
        let x = Tensor(shape: [2, 2], floats: [1, 2, 3, 4])
        XCTAssertThrowsError(try runShapeOp1("Tile", [x, .i64([Int(Int64.max), 3])]))
        XCTAssertThrowsError(try runShapeOp1("Pad", [x, .i64([Int(Int64.max), 0, Int(Int64.max), 0])]))
        XCTAssertThrowsError(try runShapeOp1("DepthToSpace", [x], attributes: ["blocksize": .int(Int(Int64.max))]))
        // Padding to an empty output does not need the (huge) other axis maps.
        XCTAssertEqual(try runShapeOp1("Pad", [x, .i64([-2, 0, 0, 0])], attributes: ["mode": .string("reflect")]).shape, [0, 2])
    }
}

extension ShapeOpsRandom: RandomNumberGenerator {}

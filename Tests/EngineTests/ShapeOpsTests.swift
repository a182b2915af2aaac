import XCTest
@testable import Engine

final class ShapeOpsTests: XCTestCase {
    func testReshapeZeroCopiesAndMinusOneInfers() throws {
        let x = Tensor(shape: [2, 3, 4], floats: (0..<24).map(Float.init))
        let y = try runShapeOp1("Reshape", [x, .i64([0, -1])])
        XCTAssertEqual(y.shape, [2, 12])
        XCTAssertEqual(try y.floats(), try x.floats())
        XCTAssertEqual(try runShapeOp1("Reshape", [x, .i64([-1, 0, 2])]).shape, [4, 3, 2])
    }

    func testReshapeAllowZero() throws {
        let x = Tensor(shape: [0, 3], floats: [])
        let y = try runShapeOp1("Reshape", [x, .i64([3, 0])], attributes: ["allowzero": .int(1)])
        XCTAssertEqual(y.shape, [3, 0])
        // Without allowzero the 0 copies dimension 1.
        let z = try runShapeOp1("Reshape", [Tensor(shape: [2, 3], floats: Array(repeating: 1, count: 6)), .i64([0, 3])])
        XCTAssertEqual(z.shape, [2, 3])
    }

    func testReshapeOpset1AttributeAndErrors() throws {
        let x = Tensor(shape: [6], data: .int64([1, 2, 3, 4, 5, 6]))
        let y = try runShapeOp1("Reshape", [x], attributes: ["shape": .ints([3, 2])], opset: 1)
        XCTAssertEqual(y.shape, [3, 2])
        XCTAssertEqual(y.int64s(), [1, 2, 3, 4, 5, 6])
        XCTAssertThrowsError(try runShapeOp1("Reshape", [x, .i64([4, -1])]))
        XCTAssertThrowsError(try runShapeOp1("Reshape", [x, .i64([-1, -1])]))
        XCTAssertThrowsError(try runShapeOp1("Reshape", [x, .i64([-2, 3])]))
    }

    func testFlatten() throws {
        let x = Tensor(shape: [2, 3, 4, 5], data: .bool(Array(repeating: true, count: 120)))
        XCTAssertEqual(try runShapeOp1("Flatten", [x]).shape, [2, 60])
        XCTAssertEqual(try runShapeOp1("Flatten", [x], attributes: ["axis": .int(0)]).shape, [1, 120])
        XCTAssertEqual(try runShapeOp1("Flatten", [x], attributes: ["axis": .int(-1)]).shape, [24, 5])
        XCTAssertEqual(try runShapeOp1("Flatten", [x], attributes: ["axis": .int(4)]).shape, [120, 1])
        XCTAssertEqual(try runShapeOp1("Flatten", [x]).dtype, .bool)
        XCTAssertThrowsError(try runShapeOp1("Flatten", [x], attributes: ["axis": .int(5)]))
    }

    func testSqueezeAttributeBeforeOpset13AndInputAfter() throws {
        let x = Tensor(shape: [1, 3, 1, 2], floats: Array(repeating: 0, count: 6))
        XCTAssertEqual(try runShapeOp1("Squeeze", [x], attributes: ["axes": .ints([0])], opset: 11).shape, [3, 1, 2])
        XCTAssertEqual(try runShapeOp1("Squeeze", [x, .i64([-2])], opset: 13).shape, [1, 3, 2])
        XCTAssertEqual(try runShapeOp1("Squeeze", [x]).shape, [3, 2])
        XCTAssertThrowsError(try runShapeOp1("Squeeze", [x, .i64([1])]))
    }

    func testUnsqueeze() throws {
        let x = Tensor(shape: [3, 4], data: .int64(Array(0..<12)))
        XCTAssertEqual(try runShapeOp1("Unsqueeze", [x], attributes: ["axes": .ints([0, 3])], opset: 11).shape, [1, 3, 4, 1])
        XCTAssertEqual(try runShapeOp1("Unsqueeze", [x, .i64([-1, 1])]).shape, [3, 1, 4, 1])
        let y = try runShapeOp1("Unsqueeze", [Tensor(shape: [], floats: [5]), .i64([0])])
        XCTAssertEqual(y.shape, [1])
        XCTAssertThrowsError(try runShapeOp1("Unsqueeze", [x, .i64([1, 1])]))
        XCTAssertThrowsError(try runShapeOp1("Unsqueeze", [x, .i64([4])]))
    }

    func testShapeWithStartAndEnd() throws {
        let x = Tensor(shape: [2, 3, 4, 5], floats: Array(repeating: 0, count: 120))
        XCTAssertEqual(try runShapeOp1("Shape", [x]).int64s(), [2, 3, 4, 5])
        XCTAssertEqual(try runShapeOp1("Shape", [x], attributes: ["start": .int(1), "end": .int(-1)]).int64s(), [3, 4])
        XCTAssertEqual(try runShapeOp1("Shape", [x], attributes: ["start": .int(-10), "end": .int(100)]).int64s(), [2, 3, 4, 5])
        let empty = try runShapeOp1("Shape", [x], attributes: ["start": .int(3), "end": .int(1)])
        XCTAssertEqual(empty.shape, [0])
        XCTAssertEqual(empty.dtype, .int64)
    }

    func testSizeIdentityDropout() throws {
        let x = Tensor(shape: [2, 0, 3], data: .int8([]))
        let size = try runShapeOp1("Size", [x])
        XCTAssertEqual(size.shape, [])
        XCTAssertEqual(size.int64s(), [0])
        let b = Tensor(shape: [2], data: .bool([true, false]))
        XCTAssertEqual(try runShapeOp1("Identity", [b]).data.dtype, .bool)
        let outs = try runShapeOp("Dropout", [Tensor.f32([1, 2, 3])], attributes: ["ratio": .float(0.5)], outputs: 2)
        XCTAssertEqual(try outs[0].floats(), [1, 2, 3])
        guard case .bool(let mask) = outs[1].data else { return XCTFail("mask is not bool") }
        XCTAssertEqual(mask, [true, true, true])
    }

    func testConstantNodeVariants() throws {
        XCTAssertEqual(try runShapeOp1("Constant", [], attributes: ["value_ints": .ints([1, 2])]).int64s(), [1, 2])
        XCTAssertEqual(try runShapeOp1("Constant", [], attributes: ["value_float": .float(2.5)]).floats(), [2.5])
        let t = Tensor(shape: [2], data: .int32([7, 8]))
        let y = try runShapeOp1("Constant", [], attributes: ["value": .tensor(t)])
        XCTAssertEqual(y.dtype, .int32)
        XCTAssertEqual(y.ints(), [7, 8])
    }

    func testConstantOfShape() throws {
        let z = try runShapeOp1("ConstantOfShape", [.i64([2, 3])])
        XCTAssertEqual(z.shape, [2, 3])
        XCTAssertEqual(try z.floats(), Array(repeating: 0, count: 6))
        let v = Tensor(shape: [1], data: .int64([7]))
        let y = try runShapeOp1("ConstantOfShape", [.i64([3])], attributes: ["value": .tensor(v)])
        XCTAssertEqual(y.dtype, .int64)
        XCTAssertEqual(y.int64s(), [7, 7, 7])
        XCTAssertEqual(try runShapeOp1("ConstantOfShape", [.i64([0])]).shape, [0])
        XCTAssertThrowsError(try runShapeOp1("ConstantOfShape", [.i64([1 << 40, 1 << 40])]))
    }

    func testRange() throws {
        let f = try runShapeOp1("Range", [Tensor(scalar: 1), Tensor(scalar: 2), Tensor(scalar: 0.25)])
        XCTAssertEqual(try f.floats(), [1, 1.25, 1.5, 1.75])
        let i = try runShapeOp1("Range", [Tensor(shape: [], data: .int32([10])), Tensor(shape: [], data: .int32([4])),
                                          Tensor(shape: [], data: .int32([-3]))])
        XCTAssertEqual(i.dtype, .int32)
        XCTAssertEqual(i.ints(), [10, 7])
        let l = try runShapeOp1("Range", [Tensor(shape: [], int64s: [0]), Tensor(shape: [], int64s: [-5]),
                                          Tensor(shape: [], int64s: [1])])
        XCTAssertEqual(l.shape, [0])
        XCTAssertThrowsError(try runShapeOp1("Range", [Tensor(scalar: 0), Tensor(scalar: 1), Tensor(scalar: 0)]))
    }

    func testExpandMatchesNaiveBroadcast() throws {
        var rng = ShapeOpsRandom(seed: 3)
        let x = rng.tensor([3, 1, 2])
        let y = try runShapeOp1("Expand", [x, .i64([2, 1, 4, 1])])
        XCTAssertEqual(y.shape, [2, 3, 4, 2])
        let xs = try x.floats(), ys = try y.floats()
        for o in 0..<ys.count {
            let idx = shapeOpsIndex(o, y.shape)
            XCTAssertEqual(ys[o], xs[shapeOpsFlat([idx[1], 0, idx[3]], [3, 1, 2])])
        }
        let b = Tensor(shape: [2, 1], data: .bool([true, false]))
        guard case .bool(let bv) = try runShapeOp1("Expand", [b, .i64([2, 3])]).data else { return XCTFail() }
        XCTAssertEqual(bv, [true, true, true, false, false, false])
        XCTAssertThrowsError(try runShapeOp1("Expand", [x, .i64([4, 3])]))
    }

    func testScalarAxesAndOverflowingArgumentsFail() throws {
        XCTAssertThrowsError(try runShapeOp1("Squeeze", [Tensor(scalar: 1), .i64([0])]))
        XCTAssertThrowsError(try runShapeOp1("Range", [Tensor(shape: [], int64s: [0]), Tensor(shape: [], int64s: [Int64.min]),
                                                         Tensor(shape: [], int64s: [-1])]))
        XCTAssertThrowsError(try runShapeOp1("Range", [Tensor(shape: [], int64s: [0]), Tensor(shape: [], int64s: [Int64.max]),
                                                         Tensor(shape: [], int64s: [1])]))
        let e = try runShapeOp1("EyeLike", [Tensor(shape: [2, 2], floats: [0, 0, 0, 0])], attributes: ["k": .int(Int(Int64.max))])
        XCTAssertEqual(try e.floats(), [0, 0, 0, 0])
    }

    func testEyeLike() throws {
        let x = Tensor(shape: [2, 3], data: .int64(Array(repeating: 5, count: 6)))
        let y = try runShapeOp1("EyeLike", [x], attributes: ["k": .int(1)])
        XCTAssertEqual(y.dtype, .int64)
        XCTAssertEqual(y.int64s(), [0, 1, 0, 0, 0, 1])
        let f = try runShapeOp1("EyeLike", [x], attributes: ["dtype": .int(1)])
        XCTAssertEqual(try f.floats(), [1, 0, 0, 0, 1, 0])
    }
}

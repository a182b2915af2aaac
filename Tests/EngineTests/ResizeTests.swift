import XCTest
@testable import Engine

final class ResizeTests: XCTestCase {
    private let square = Tensor(shape: [1, 1, 2, 2], floats: [1, 2, 3, 4])

    private func assertClose(_ a: [Float], _ b: [Float], tol: Float = 1e-4, _ msg: String = "",
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, msg, file: file, line: line)
        for (i, (x, y)) in zip(a, b).enumerated() where abs(x - y) > tol {
            XCTFail("\(msg) element \(i): \(x) vs \(y)", file: file, line: line)
            return
        }
    }

    // MARK: naive reference: per output element, the full product of 1-D taps (no separable passes)

    private func refCoordinate(_ x: Int, inLen: Int, outLen: Int, scale: Double, ctm: String, roi: (Double, Double)) -> Double? {
        let outW = scale * Double(inLen), xf = Double(x), n = Double(inLen)
        switch ctm {
        case "half_pixel": return (xf + 0.5) / scale - 0.5
        case "pytorch_half_pixel": return outW > 1 ? (xf + 0.5) / scale - 0.5 : -0.5
        case "align_corners": return outW == 1 ? 0 : xf * (n - 1) / (outW - 1)
        case "asymmetric": return xf / scale
        case "half_pixel_symmetric":
            let adj = Double(outLen) / outW
            return n / 2 * (1 - adj) + (xf + 0.5) / scale - 0.5
        default:  // tf_crop_and_resize
            let v = outW == 1 ? roi.0 * (n - 1) + (roi.1 - roi.0) * (n - 1) / 2
                : roi.0 * (n - 1) + xf * (roi.1 - roi.0) * (n - 1) / (outW - 1)
            return v < 0 || v > n - 1 ? nil : v
        }
    }

    private func refTaps(_ mode: String, _ v: Double, inLen: Int, a: Double, exclude: Bool, nearest: String) -> [(Int, Double)] {
        let clampI = { (i: Int) in min(max(i, 0), inLen - 1) }
        switch mode {
        case "nearest":
            let f = floor(v), frac = v - f
            var i = f
            if frac > 0 {
                switch nearest {
                case "round_prefer_ceil": i = frac >= 0.5 ? f + 1 : f
                case "floor": i = f
                case "ceil": i = f + 1
                default: i = frac > 0.5 ? f + 1 : f
                }
            }
            return [(clampI(Int(i)), 1)]
        case "linear":
            let c = min(max(v, 0), Double(inLen - 1))
            let i = Int(floor(c)), t = c - floor(c)
            return [(clampI(i), 1 - t), (clampI(i + 1), t)]
        default:
            let i = Int(floor(v)), t = v - floor(v)
            func k(_ d: Double) -> Double {
                let x = abs(d)
                if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
                if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
                return 0
            }
            var taps = (-1...2).map { o in (i + o, k(Double(o) - t)) }
            if exclude {
                taps = taps.map { ($0.0, $0.0 < 0 || $0.0 >= inLen ? 0 : $0.1) }
                let s = taps.reduce(0) { $0 + $1.1 }
                taps = taps.map { ($0.0, $0.1 / s) }
            }
            return taps.map { (clampI($0.0), $0.1) }
        }
    }

    private func naiveResize(_ x: Tensor, outShape: [Int], scales: [Double], mode: String, ctm: String,
                             nearest: String = "round_prefer_floor", a: Double = -0.75, exclude: Bool = false,
                             roi: [Double]? = nil, extrapolation: Double = 0) throws -> [Float] {
        let xs = x.asFloats(), rank = x.rank
        return (0..<outShape.reduce(1, *)).map { o in
            let idx = shapeOpsIndex(o, outShape)
            var perAxis: [[(Int, Double)]] = []
            for d in 0..<rank {
                let r = roi.map { ($0[d], $0[d + rank]) } ?? (0, 1)
                guard let v = refCoordinate(idx[d], inLen: x.shape[d], outLen: outShape[d], scale: scales[d], ctm: ctm, roi: r)
                else { return Float(extrapolation) }
                let identity = outShape[d] == x.shape[d] && scales[d] == 1 && ctm != "tf_crop_and_resize"
                perAxis.append(identity ? [(idx[d], 1)] : refTaps(mode, v, inLen: x.shape[d], a: a, exclude: exclude, nearest: nearest))
            }
            var sum = 0.0
            var combo = Array(repeating: 0, count: rank)
            while true {
                var w = 1.0
                var src = [Int]()
                for d in 0..<rank { w *= perAxis[d][combo[d]].1; src.append(perAxis[d][combo[d]].0) }
                sum += w * Double(xs[shapeOpsFlat(src, x.shape)])
                var d = rank - 1
                while d >= 0 { combo[d] += 1; if combo[d] < perAxis[d].count { break }; combo[d] = 0; d -= 1 }
                if d < 0 { break }
            }
            return Float(sum)
        }
    }

    // MARK: hand-computed examples (from the ONNX operator documentation)

    func testNearestUpsampleHalfPixel() throws {
        let y = try runShapeOp1("Resize", [square, nil, .f32([1, 1, 2, 3])], attributes: ["mode": .string("nearest")])
        XCTAssertEqual(y.shape, [1, 1, 4, 6])
        XCTAssertEqual(try y.floats(), [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4])
    }

    func testLinearUpsampleHalfPixelAndAlignCorners() throws {
        let y = try runShapeOp1("Resize", [square, nil, .f32([1, 1, 2, 2])], attributes: ["mode": .string("linear")])
        assertClose(try y.floats(), [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4])
        let z = try runShapeOp1("Resize", [square, nil, .f32([1, 1, 2, 2])],
                                attributes: ["mode": .string("linear"), "coordinate_transformation_mode": .string("align_corners")])
        assertClose(try z.floats(), [1, 4 / 3, 5 / 3, 2, 5 / 3, 2, 7 / 3, 8 / 3, 7 / 3, 8 / 3, 3, 10 / 3, 3, 10 / 3, 11 / 3, 4])
    }

    func testDownsampleWithSizesAndOpset10() throws {
        let x = Tensor(shape: [1, 1, 2, 4], floats: [1, 2, 3, 4, 5, 6, 7, 8])
        let y = try runShapeOp1("Resize", [x, nil, .f32([1, 1, 0.6, 0.6])], attributes: ["mode": .string("nearest")])
        XCTAssertEqual(try y.floats(), [1, 3])
        // Opset 10: scales is input 1, asymmetric coordinates.
        let z = try runShapeOp1("Resize", [x, .f32([1, 1, 0.6, 0.6])], attributes: ["mode": .string("nearest")], opset: 10)
        XCTAssertEqual(z.shape, [1, 1, 1, 2])
        XCTAssertEqual(try z.floats(), [1, 3])
        // sizes input (opset 13), scales omitted.
        let s = try runShapeOp1("Resize", [x, nil, nil, .i64([1, 1, 1, 2])], attributes: ["mode": .string("linear")], opset: 13)
        XCTAssertEqual(s.shape, [1, 1, 1, 2])
        assertClose(try s.floats(), [3.5, 5.5])
    }

    func testOpset10LinearIsAsymmetricAndOpset11AcceptsEmptyScales() throws {
        let y = try runShapeOp1("Resize", [square, .f32([1, 1, 2, 2])], attributes: ["mode": .string("linear")], opset: 10)
        assertClose(try y.floats(), [1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4])
        let z = try runShapeOp1("Resize", [square, .f32([]), .f32([]), .i64([1, 1, 3, 1])],
                                attributes: ["coordinate_transformation_mode": .string("asymmetric")], opset: 11)
        XCTAssertEqual(z.shape, [1, 1, 3, 1])
        // asymmetric, scale 1.5 along H: sources 0, 0.67, 1.33 round to 0, 1, 1; scale 0.5 along W: source 0.
        XCTAssertEqual(try z.floats(), [1, 3, 3])
    }

    func testKeepAspectRatioPolicyAndAxes() throws {
        let x = Tensor(shape: [1, 1, 2, 2], floats: [1, 2, 3, 4])
        let notLarger = try runShapeOp1("Resize", [x, nil, nil, .i64([7, 8])],
                                        attributes: ["axes": .ints([2, 3]), "keep_aspect_ratio_policy": .string("not_larger")], opset: 18)
        XCTAssertEqual(notLarger.shape, [1, 1, 7, 7])
        let notSmaller = try runShapeOp1("Resize", [x, nil, nil, .i64([7, 8])],
                                         attributes: ["axes": .ints([-2, -1]), "keep_aspect_ratio_policy": .string("not_smaller")], opset: 18)
        XCTAssertEqual(notSmaller.shape, [1, 1, 8, 8])
        let axesScales = try runShapeOp1("Resize", [x, nil, .f32([3, 2])], attributes: ["axes": .ints([3, 2])], opset: 18)
        XCTAssertEqual(axesScales.shape, [1, 1, 4, 6])
    }

    // MARK: against the naive reference

    func testAllModesAndCoordinateTransformsMatchNaive() throws {
        var rng = ShapeOpsRandom(seed: 21)
        let x = rng.tensor([1, 2, 3, 5])
        let ctms = ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric", "tf_crop_and_resize"]
        let roi: [Double] = [0, 0, 0.1, 0.3, 1, 1, 0.9, 1.2]
        for mode in ["nearest", "linear", "cubic"] {
            for ctm in ctms {
                for scales in [[1.0, 1, 1.7, 0.6], [1, 1, 0.5, 2.5], [1, 1, 0.4, 1]] {
                    var attrs: [String: AttributeValue] = ["mode": .string(mode), "coordinate_transformation_mode": .string(ctm),
                                                           "extrapolation_value": .float(-3)]
                    let nearestModes = mode == "nearest" ? ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"] : ["round_prefer_floor"]
                    for nm in nearestModes {
                        for exclude in mode == "cubic" ? [false, true] : [false] {
                            attrs["nearest_mode"] = .string(nm)
                            attrs["exclude_outside"] = .int(exclude ? 1 : 0)
                            attrs["cubic_coeff_a"] = .float(exclude ? -0.5 : -0.75)
                            let r = ctm == "tf_crop_and_resize" ? Tensor.f32(roi.map(Float.init)) : nil
                            let y = try runShapeOp1("Resize", [x, r, .f32(scales.map(Float.init))], attributes: attrs)
                            let out = zip(x.shape, scales).map { Int(Double($0) * Double(Float($1))) }
                            XCTAssertEqual(y.shape, out)
                            let want = try naiveResize(x, outShape: out, scales: scales.map { Double(Float($0)) }, mode: mode, ctm: ctm,
                                                       nearest: nm, a: exclude ? -0.5 : -0.75, exclude: exclude,
                                                       roi: ctm == "tf_crop_and_resize" ? roi.map { Double(Float($0)) } : nil,
                                                       extrapolation: -3)
                            assertClose(try y.floats(), want, tol: 2e-4, "\(mode) \(ctm) \(nm) \(scales) exclude \(exclude)")
                        }
                    }
                }
            }
        }
    }

    func testTrilinearOnThreeAxes() throws {
        var rng = ShapeOpsRandom(seed: 23)
        let x = rng.tensor([1, 3, 4, 2, 3])
        let sizes = [1, 3, 2, 5, 4]
        let y = try runShapeOp1("Resize", [x, nil, nil, .i64(sizes)], attributes: ["mode": .string("linear")])
        let scales = zip(sizes, x.shape).map { Double($0) / Double($1) }
        assertClose(try y.floats(), try naiveResize(x, outShape: sizes, scales: scales, mode: "linear", ctm: "half_pixel"))
    }

    // MARK: types and errors

    func testIntegerAndBoolTypes() throws {
        let u = Tensor(shape: [1, 2], data: .uint8([0, 255]))
        let y = try runShapeOp1("Resize", [u, nil, .f32([1, 2])], attributes: ["mode": .string("linear")])
        XCTAssertEqual(y.dtype, .uint8)
        XCTAssertEqual(y.ints(), [0, 64, 191, 255])
        let l = Tensor(shape: [2], data: .int64([Int64(1) << 40, 7]))
        let n = try runShapeOp1("Resize", [l, nil, .f32([2])], attributes: ["mode": .string("nearest")])
        XCTAssertEqual(n.int64s(), [Int64(1) << 40, Int64(1) << 40, 7, 7])
        let b = Tensor(shape: [2], data: .bool([true, false]))
        guard case .bool(let bv) = try runShapeOp1("Resize", [b, nil, .f32([1.5])]).data else { return XCTFail() }
        XCTAssertEqual(bv, [true, true, false])
        XCTAssertThrowsError(try runShapeOp1("Resize", [b, nil, .f32([2])], attributes: ["mode": .string("linear")]))
    }

    func testErrors() {
        XCTAssertThrowsError(try runShapeOp1("Resize", [square, nil, .f32([1, 1, 0.5, 0.5])], attributes: ["antialias": .int(1)]))
        XCTAssertThrowsError(try runShapeOp1("Resize", [square, nil, .f32([1, 1, 2])]))
        XCTAssertThrowsError(try runShapeOp1("Resize", [square, nil, .f32([1, 1, -2, 2])]))
        XCTAssertThrowsError(try runShapeOp1("Resize", [square, nil, .f32([1, 1, 1e9, 1e9])]))
        XCTAssertThrowsError(try runShapeOp1("Resize", [square]))
        XCTAssertThrowsError(try runShapeOp1("Resize", [square, nil, nil, nil], attributes: ["mode": .string("area")]))
        XCTAssertThrowsError(try runShapeOp1("Resize", [square, nil, nil, .i64([1, 1, 2, 2])],
                                             attributes: ["coordinate_transformation_mode": .string("tf_crop_and_resize")]))
    }

    // MARK: Upsample

    func testUpsampleOpset7And9() throws {
        let a = try runShapeOp1("Upsample", [square], attributes: ["scales": .floats([1, 1, 2, 3])], opset: 7)
        XCTAssertEqual(a.shape, [1, 1, 4, 6])
        XCTAssertEqual(try a.floats(), [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4])
        let b = try runShapeOp1("Upsample", [square, .f32([1, 1, 2, 2])], attributes: ["mode": .string("linear")], opset: 9)
        assertClose(try b.floats(), [1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4])
        let i = try runShapeOp1("Upsample", [Tensor(shape: [2], data: .int32([4, 9])), .f32([2])], opset: 9)
        XCTAssertEqual(i.ints(), [4, 4, 9, 9])
        XCTAssertThrowsError(try runShapeOp1("Upsample", [square, .f32([1, 1, 2])], opset: 9))
    }
}

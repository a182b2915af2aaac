import XCTest
@testable import Engine

/// MaxPool, AveragePool and the global pools against direct-loop references on seeded random data.
final class PoolingTests: XCTestCase {
    enum Kind { case max, average(includePad: Bool) }

    /// Direct pooling; `outSpatial` is given by each test so the shape rules are checked independently.
    static func naivePool(_ x: Tensor, kind: Kind, kernel: [Int], strides: [Int], dilations: [Int], pads: [Int],
                          outSpatial: [Int]) -> (Tensor, [Int64]) {
        let r = kernel.count
        let xs = x.asFloats()
        let inS = Array(x.shape[2...])
        let planes = x.shape[0] * x.shape[1], inSize = inS.reduce(1, *)
        var out: [Float] = [], arg: [Int64] = []
        for p in 0..<planes {
            for o in ConvolutionTests.indices(outSpatial) {
                var values: [(Float, Int)] = []
                var padded = 0
                for k in ConvolutionTests.indices(kernel) {
                    var pos: [Int] = []
                    var inside = true, insidePadded = true
                    for i in 0..<r {
                        let q = o[i] * strides[i] - pads[i] + k[i] * dilations[i]
                        if q < 0 || q >= inS[i] { inside = false }
                        if q < -pads[i] || q >= inS[i] + pads[i + r] { insidePadded = false }
                        pos.append(q)
                    }
                    if insidePadded { padded += 1 }
                    if inside {
                        let f = ConvolutionTests.flat(pos, inS)
                        values.append((xs[p * inSize + f], p * inSize + f))
                    }
                }
                switch kind {
                case .max:
                    let best = values.max { $0.0 < $1.0 }!
                    out.append(best.0)
                    arg.append(Int64(best.1))
                case .average(let includePad):
                    let sum = values.reduce(Float(0)) { $0 + $1.0 }
                    out.append(sum / Float(includePad ? padded : values.count))
                }
            }
        }
        return (Tensor(shape: Array(x.shape[..<2]) + outSpatial, floats: out), arg)
    }

    func check(_ kind: Kind, x: [Int], kernel: [Int], strides: [Int]? = nil, dilations: [Int]? = nil,
               pads: [Int]? = nil, ceil: Bool = false, autoPad: String? = nil, expectedPads: [Int]? = nil,
               outSpatial: [Int], seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = ConvSupport.Random(seed: seed)
        let r = kernel.count
        let xt = rng.tensor(x)
        var attributes: [String: AttributeValue] = ["kernel_shape": .ints(kernel), "ceil_mode": .int(ceil ? 1 : 0)]
        if let strides { attributes["strides"] = .ints(strides) }
        if let dilations { attributes["dilations"] = .ints(dilations) }
        if let pads { attributes["pads"] = .ints(pads) }
        if let autoPad { attributes["auto_pad"] = .string(autoPad) }
        let op: String
        switch kind {
        case .max: op = "MaxPool"
        case .average(let include):
            op = "AveragePool"
            attributes["count_include_pad"] = .int(include ? 1 : 0)
        }
        let (expected, _) = Self.naivePool(xt, kind: kind, kernel: kernel,
                                           strides: strides ?? Array(repeating: 1, count: r),
                                           dilations: dilations ?? Array(repeating: 1, count: r),
                                           pads: expectedPads ?? pads ?? Array(repeating: 0, count: 2 * r),
                                           outSpatial: outSpatial)
        let got = try ConvSupport.run(op, [xt], attributes: attributes)[0]
        ConvSupport.assertClose(got, expected, file: file, line: line)
    }

    func testMaxPool2D() throws {
        try check(.max, x: [2, 3, 8, 9], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], outSpatial: [4, 5], seed: 1)
        try check(.max, x: [1, 2, 9, 10], kernel: [2, 3], strides: [1, 2], dilations: [2, 2], pads: [0, 1, 1, 0],
                  outSpatial: [8, 4], seed: 2)
        // Stride 3 columns (gathered loads), wide rows with a partial last vector, 1-row remainder blocks.
        try check(.max, x: [1, 2, 13, 40], kernel: [3, 2], strides: [2, 3], pads: [1, 0, 1, 1], outSpatial: [7, 14],
                  seed: 50)
        try check(.average(includePad: true), x: [1, 2, 13, 40], kernel: [3, 2], strides: [3, 3], pads: [1, 0, 1, 1],
                  outSpatial: [5, 14], seed: 51)
    }

    func testMaxPoolCeilMode() throws {
        // in 8, kernel 3, stride 2: floor gives 3, ceil gives 4.
        try check(.max, x: [1, 2, 8, 8], kernel: [3, 3], strides: [2, 2], ceil: true, outSpatial: [4, 4], seed: 3)
        try check(.max, x: [1, 2, 8, 8], kernel: [3, 3], strides: [2, 2], outSpatial: [3, 3], seed: 4)
        // in 5, pad 1+1, kernel 2, stride 2: ceil gives 4, but the 4th window would start at 5 (the end pad): 3.
        try check(.max, x: [1, 1, 5, 5], kernel: [2, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceil: true,
                  outSpatial: [3, 3], seed: 5)
    }

    func testMaxPoolAutoPad() throws {
        // in 7, kernel 3, stride 2: out 4, total pad 2 (1 and 1); in 8: out 4, total 1.
        try check(.max, x: [1, 2, 7, 8], kernel: [3, 3], strides: [2, 2], autoPad: "SAME_UPPER",
                  expectedPads: [1, 0, 1, 1], outSpatial: [4, 4], seed: 6)
        try check(.max, x: [1, 2, 7, 8], kernel: [3, 3], strides: [2, 2], autoPad: "SAME_LOWER",
                  expectedPads: [1, 1, 1, 0], outSpatial: [4, 4], seed: 7)
        try check(.max, x: [1, 2, 7, 8], kernel: [3, 3], strides: [2, 2], autoPad: "VALID", outSpatial: [3, 3], seed: 8)
    }

    func testMaxPool1DAnd3D() throws {
        try check(.max, x: [2, 3, 11], kernel: [3], strides: [2], pads: [1, 1], outSpatial: [6], seed: 9)
        try check(.max, x: [1, 2, 5, 6, 7], kernel: [2, 3, 2], strides: [1, 2, 2], dilations: [2, 1, 1],
                  pads: [0, 1, 0, 0, 1, 1], outSpatial: [3, 3, 4], seed: 10)
    }

    func testMaxPoolIndices() throws {
        var rng = ConvSupport.Random(seed: 11)
        let x = rng.tensor([2, 2, 5, 6])
        let attributes: [String: AttributeValue] = ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]),
                                                    "pads": .ints([1, 1, 1, 1])]
        let out = try ConvSupport.run("MaxPool", [x], attributes: attributes, outputs: 2)
        let (expected, arg) = Self.naivePool(x, kind: .max, kernel: [3, 3], strides: [2, 2], dilations: [1, 1],
                                             pads: [1, 1, 1, 1], outSpatial: [3, 3])
        ConvSupport.assertClose(out[0], expected)
        XCTAssertEqual(out[1].shape, [2, 2, 3, 3])
        XCTAssertEqual(out[1].int64s(), arg)

        // Column-major indices within each [H, W] plane.
        var columnMajor = attributes
        columnMajor["storage_order"] = .int(1)
        let cm = try ConvSupport.run("MaxPool", [x], attributes: columnMajor, outputs: 2)[1].int64s()
        let converted = arg.map { i -> Int64 in
            let plane = i / 30, f = i % 30
            return plane * 30 + (f % 6) * 5 + f / 6
        }
        XCTAssertEqual(cm, converted)
    }

    func testMaxPoolUInt8() throws {
        let x = Tensor(shape: [1, 1, 2, 3], data: .uint8([1, 9, 3, 250, 5, 6]))
        let y = try ConvSupport.run("MaxPool", [x], attributes: ["kernel_shape": .ints([2, 2])])[0]
        XCTAssertEqual(y.shape, [1, 1, 1, 2])
        guard case .uint8(let v) = y.data else { return XCTFail("expected uint8 output") }
        XCTAssertEqual(v, [250, 9])
    }

    func testAveragePoolPadsAndCountIncludePad() throws {
        for include in [false, true] {
            try check(.average(includePad: include), x: [2, 3, 7, 8], kernel: [3, 3], strides: [2, 2],
                      pads: [1, 2, 1, 0], outSpatial: [4, 4], seed: include ? 20 : 21)
            try check(.average(includePad: include), x: [1, 2, 6, 6], kernel: [3, 3], strides: [2, 2],
                      pads: [1, 1, 1, 1], ceil: true, outSpatial: [4, 4], seed: include ? 22 : 23)
            try check(.average(includePad: include), x: [1, 2, 9, 9], kernel: [2, 2], dilations: [2, 3],
                      pads: [1, 1, 0, 2], outSpatial: [8, 9], seed: include ? 24 : 25)
        }
    }

    func testAveragePoolAutoPadAnd1D3D() throws {
        try check(.average(includePad: false), x: [1, 2, 7, 8], kernel: [3, 3], strides: [2, 2],
                  autoPad: "SAME_UPPER", expectedPads: [1, 0, 1, 1], outSpatial: [4, 4], seed: 26)
        try check(.average(includePad: false), x: [1, 2, 7, 8], kernel: [2, 2], autoPad: "SAME_LOWER",
                  expectedPads: [1, 1, 0, 0], outSpatial: [7, 8], seed: 27)
        try check(.average(includePad: true), x: [2, 2, 10], kernel: [4], strides: [3], pads: [2, 1],
                  ceil: true, outSpatial: [4], seed: 28)
        try check(.average(includePad: false), x: [1, 1, 4, 5, 6], kernel: [2, 2, 3], strides: [2, 1, 2],
                  pads: [1, 0, 1, 0, 1, 1], outSpatial: [2, 5, 3], seed: 29)
    }

    func testGlobalPools() throws {
        var rng = ConvSupport.Random(seed: 30)
        for shape in [[2, 3, 5, 7], [1, 4, 19], [1, 2, 3, 4, 5]] {
            let x = rng.tensor(shape)
            let xs = x.asFloats()
            let size = shape[2...].reduce(1, *)
            let planes = shape[0] * shape[1]
            let outShape = [shape[0], shape[1]] + Array(repeating: 1, count: shape.count - 2)
            let means = (0..<planes).map { p in xs[(p * size)..<((p + 1) * size)].reduce(0, +) / Float(size) }
            let maxes = (0..<planes).map { p in xs[(p * size)..<((p + 1) * size)].max()! }
            ConvSupport.assertClose(try ConvSupport.run("GlobalAveragePool", [x])[0],
                                    Tensor(shape: outShape, floats: means))
            ConvSupport.assertClose(try ConvSupport.run("GlobalMaxPool", [x])[0], Tensor(shape: outShape, floats: maxes))
        }
    }

    func testPoolRejectsBadAttributes() {
        var rng = ConvSupport.Random(seed: 31)
        let x = rng.tensor([1, 1, 4, 4])
        XCTAssertThrowsError(try ConvSupport.run("MaxPool", [x]))
        XCTAssertThrowsError(try ConvSupport.run("MaxPool", [x], attributes: ["kernel_shape": .ints([5, 5])]))
        XCTAssertThrowsError(try ConvSupport.run("AveragePool", [x], attributes: ["kernel_shape": .ints([2])]))
        XCTAssertThrowsError(try ConvSupport.run("AveragePool", [x], attributes: ["kernel_shape": .ints([2, 2]),
                                                                                  "pads": .ints([-1, 0, 0, 0])]))
        XCTAssertThrowsError(try ConvSupport.run("GlobalAveragePool", [rng.tensor([3, 4])]))
    }
}

import XCTest
@testable import Engine

/// Conv and ConvTranspose against direct-loop references on seeded random data.
final class ConvolutionTests: XCTestCase {
    // MARK: naive references

    /// Every multi-index of `shape` in row-major order.
    static func indices(_ shape: [Int]) -> [[Int]] {
        var result: [[Int]] = [[]]
        for d in shape { result = result.flatMap { prefix in (0..<d).map { prefix + [$0] } } }
        return result
    }

    static func flat(_ idx: [Int], _ shape: [Int]) -> Int {
        var f = 0
        for (i, d) in zip(idx, shape) { f = f * d + i }
        return f
    }

    /// Direct convolution with explicit pads ([begin..., end...]).
    static func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, group: Int, strides: [Int], dilations: [Int],
                          pads: [Int]) -> Tensor {
        let r = x.rank - 2
        let xs = x.asFloats(), ws = w.asFloats(), bs = b?.asFloats()
        let (n, c, m) = (x.shape[0], x.shape[1], w.shape[0])
        let cg = c / group, mg = m / group
        let inS = Array(x.shape[2...]), k = Array(w.shape[2...])
        var outS: [Int] = []
        for i in 0..<r {
            let span = (k[i] - 1) * dilations[i] + 1
            outS.append((inS[i] + pads[i] + pads[i + r] - span) / strides[i] + 1)
        }
        var out = [Float](repeating: 0, count: n * m * outS.reduce(1, *))
        let kIdx = indices(k)
        for bi in 0..<n {
            for mi in 0..<m {
                let g = mi / mg
                for o in indices(outS) {
                    var sum = bs?[mi] ?? 0
                    for ci in 0..<cg {
                        for kk in kIdx {
                            var pos: [Int] = []
                            var inside = true
                            for i in 0..<r {
                                let p = o[i] * strides[i] - pads[i] + kk[i] * dilations[i]
                                if p < 0 || p >= inS[i] { inside = false }
                                pos.append(p)
                            }
                            if !inside { continue }
                            sum += xs[flat([bi, g * cg + ci] + pos, x.shape)] * ws[flat([mi, ci] + kk, w.shape)]
                        }
                    }
                    out[flat([bi, mi] + o, [n, m] + outS)] = sum
                }
            }
        }
        return Tensor(shape: [n, m] + outS, floats: out)
    }

    /// Direct transposed convolution by scattering every input element through the kernel.
    static func naiveConvTranspose(_ x: Tensor, _ w: Tensor, _ b: Tensor?, group: Int, strides: [Int],
                                   dilations: [Int], pads: [Int], outputSpatial: [Int]) -> Tensor {
        let r = x.rank - 2
        let xs = x.asFloats(), ws = w.asFloats(), bs = b?.asFloats()
        let (n, c, mg) = (x.shape[0], x.shape[1], w.shape[1])
        let m = mg * group, cg = c / group
        let inS = Array(x.shape[2...]), k = Array(w.shape[2...])
        let outShape = [n, m] + outputSpatial
        var out = [Float](repeating: 0, count: outShape.reduce(1, *))
        for o in indices(outShape) { out[flat(o, outShape)] = bs?[o[1]] ?? 0 }
        for bi in 0..<n {
            for ci in 0..<c {
                let g = ci / cg
                for i in indices(inS) {
                    let v = xs[flat([bi, ci] + i, x.shape)]
                    for mi in 0..<mg {
                        for kk in indices(k) {
                            var pos: [Int] = []
                            var inside = true
                            for a in 0..<r {
                                let p = i[a] * strides[a] - pads[a] + kk[a] * dilations[a]
                                if p < 0 || p >= outputSpatial[a] { inside = false }
                                pos.append(p)
                            }
                            if !inside { continue }
                            out[flat([bi, g * mg + mi] + pos, outShape)] += v * ws[flat([ci, mi] + kk, w.shape)]
                        }
                    }
                }
            }
        }
        return Tensor(shape: outShape, floats: out)
    }

    // MARK: Conv

    /// Runs Conv with the weight as an initializer and as a graph input, and checks both against the reference.
    func checkConv(x: [Int], w: [Int], bias: Bool = true, group: Int = 1, strides: [Int]? = nil,
                   dilations: [Int]? = nil, pads: [Int]? = nil, autoPad: String? = nil, expectedPads: [Int]? = nil,
                   seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = ConvSupport.Random(seed: seed)
        let r = x.count - 2
        let xt = rng.tensor(x), wt = rng.tensor(w), bt = bias ? rng.tensor([w[0]]) : nil
        var attributes: [String: AttributeValue] = ["group": .int(group)]
        if let strides { attributes["strides"] = .ints(strides) }
        if let dilations { attributes["dilations"] = .ints(dilations) }
        if let pads { attributes["pads"] = .ints(pads) }
        if let autoPad { attributes["auto_pad"] = .string(autoPad) }
        let expected = Self.naiveConv(xt, wt, bt, group: group, strides: strides ?? Array(repeating: 1, count: r),
                                      dilations: dilations ?? Array(repeating: 1, count: r),
                                      pads: expectedPads ?? pads ?? Array(repeating: 0, count: 2 * r))
        for constants in [Set([1, 2]), Set<Int>()] {
            let got = try ConvSupport.run("Conv", [xt, wt, bt], constants: constants, attributes: attributes)[0]
            ConvSupport.assertClose(got, expected, "constants \(constants)", file: file, line: line)
        }
    }

    func testConv2DPaddedWithBias() throws {
        try checkConv(x: [2, 3, 9, 11], w: [4, 3, 3, 3], pads: [1, 1, 1, 1], seed: 1)
    }

    func testConv2DStridesDilationsAsymmetricPads() throws {
        try checkConv(x: [1, 2, 13, 12], w: [3, 2, 3, 2], bias: false, strides: [2, 3], dilations: [2, 1],
                      pads: [1, 0, 2, 3], seed: 2)
    }

    func testConvGroups() throws {
        try checkConv(x: [2, 4, 7, 8], w: [6, 2, 3, 3], group: 2, pads: [1, 1, 1, 1], seed: 3)
    }

    func testPointwiseConv() throws {
        try checkConv(x: [2, 5, 6, 7], w: [8, 5, 1, 1], seed: 4)
        try checkConv(x: [1, 6, 4, 5], w: [4, 3, 1, 1], bias: false, group: 2, seed: 5)
        // 1x1 with stride is not pointwise-as-a-matrix: it must still subsample.
        try checkConv(x: [1, 3, 7, 7], w: [2, 3, 1, 1], strides: [2, 2], seed: 6)
    }

    func testDepthwiseConvStride1And2() throws {
        // Width 21 exercises the eight-wide vector loop and the scalar tail.
        try checkConv(x: [2, 5, 10, 21], w: [5, 1, 3, 3], group: 5, pads: [1, 1, 1, 1], seed: 7)
        try checkConv(x: [1, 4, 17, 37], w: [4, 1, 3, 3], group: 4, strides: [2, 2], pads: [1, 1, 1, 1], seed: 8)
        try checkConv(x: [1, 3, 16, 40], w: [3, 1, 5, 5], bias: false, group: 3, strides: [2, 2],
                      pads: [2, 2, 2, 2], seed: 9)
    }

    func testDepthwiseConvDilationsOddStridesMultiplier() throws {
        try checkConv(x: [1, 3, 15, 30], w: [3, 1, 3, 3], group: 3, dilations: [2, 3], pads: [2, 3, 1, 0], seed: 10)
        try checkConv(x: [1, 2, 12, 29], w: [2, 1, 3, 3], group: 2, strides: [3, 3], pads: [0, 1, 2, 2], seed: 11)
        // Channel multiplier 2: output channel o reads input channel o / 2.
        try checkConv(x: [2, 3, 9, 18], w: [6, 1, 3, 3], group: 3, pads: [1, 1, 1, 1], seed: 12)
        // Strides 2 and 3 with dilations: phase-split rows.
        try checkConv(x: [1, 3, 14, 45], w: [3, 1, 3, 3], group: 3, strides: [2, 2], dilations: [2, 3],
                      pads: [2, 3, 1, 2], seed: 43)
        try checkConv(x: [2, 2, 9, 50], w: [4, 1, 3, 3], group: 2, strides: [2, 3], dilations: [1, 2], pads: [1, 2, 1, 2],
                      seed: 44)
        // Input larger than the windows need (no padding, stride leaves trailing columns unread).
        try checkConv(x: [1, 2, 11, 26], w: [2, 1, 3, 3], group: 2, strides: [2, 2], seed: 13)
    }

    /// Shapes that `DirectConv2D` takes (few taps per output): strides 1, 2 and 3, dilations, asymmetric pads,
    /// output-channel counts that leave a partial block of four, widths with 16-, 8- and partial-column tails.
    func testDirectConvVariants() throws {
        // First-layer shape: 3 input channels, stride 2, five outputs (one block of four and one of one).
        try checkConv(x: [1, 3, 17, 45], w: [5, 3, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1], seed: 30)
        // Dilations 2 and 3 as in receptive-field blocks, 16-wide rows plus an odd tail.
        try checkConv(x: [2, 8, 9, 37], w: [16, 8, 3, 3], dilations: [2, 2], pads: [2, 2, 2, 2], seed: 31)
        try checkConv(x: [1, 6, 11, 21], w: [7, 6, 3, 3], bias: false, dilations: [3, 2], pads: [3, 1, 2, 3], seed: 32)
        // Stride 3 (gathered loads), non-square kernel, no padding, input larger than the windows read.
        try checkConv(x: [1, 4, 14, 50], w: [6, 4, 2, 3], strides: [3, 3], seed: 33)
        // Mixed strides with the width stride 2 and a 5x5 kernel.
        try checkConv(x: [1, 2, 12, 33], w: [3, 2, 5, 5], strides: [1, 2], pads: [2, 2, 2, 2], seed: 34)
        // Grouped but not depthwise: 3 channels per group, 3 outputs per group.
        try checkConv(x: [2, 6, 8, 19], w: [6, 3, 3, 3], group: 2, pads: [1, 1, 1, 1], seed: 35)
        // Pointwise with few channels: flattened rows, a 128-column tile and a partial tail; grouped too.
        try checkConv(x: [2, 16, 7, 19], w: [7, 16, 1, 1], seed: 36)
        try checkConv(x: [1, 12, 5, 5], w: [9, 4, 1, 1], bias: false, group: 3, seed: 37)
        // Pointwise with 40 input channels over a small plane (direct), and over a large one (BLAS).
        try checkConv(x: [1, 40, 6, 9], w: [10, 40, 1, 1], seed: 45)
        try checkConv(x: [1, 40, 48, 48], w: [6, 40, 1, 1], seed: 46)
        // 1x1 with stride and padding goes through the padded path.
        try checkConv(x: [1, 3, 9, 10], w: [4, 3, 1, 1], strides: [2, 2], pads: [1, 0, 0, 1], seed: 38)
        // Stride 2 with dilation 3 and stride 3 with dilation 2: taps land in every phase of the split rows.
        try checkConv(x: [1, 3, 16, 41], w: [6, 3, 3, 3], strides: [2, 2], dilations: [3, 3], pads: [3, 2, 1, 3], seed: 41)
        try checkConv(x: [1, 2, 13, 44], w: [3, 2, 3, 3], strides: [1, 3], dilations: [1, 2], pads: [1, 1, 1, 1], seed: 42)
        // One row, one column.
        try checkConv(x: [1, 5, 1, 1], w: [3, 5, 3, 3], pads: [1, 1, 1, 1], seed: 39)
        // Many taps (128 x 9 > the direct limit): the im2col path, for comparison on the same kind of data.
        try checkConv(x: [1, 128, 5, 6], w: [4, 128, 3, 3], pads: [1, 1, 1, 1], seed: 40)
    }

    func testConv1D() throws {
        try checkConv(x: [2, 3, 25], w: [4, 3, 5], strides: [2], pads: [2, 1], seed: 14)
        try checkConv(x: [1, 4, 30], w: [4, 1, 3], group: 4, dilations: [2], pads: [2, 2], seed: 15)
    }

    func testConv3D() throws {
        try checkConv(x: [1, 2, 5, 6, 7], w: [3, 2, 3, 2, 3], strides: [1, 2, 1], dilations: [1, 1, 2],
                      pads: [1, 0, 1, 1, 1, 2], seed: 16)
        try checkConv(x: [1, 4, 4, 5, 6], w: [4, 1, 3, 3, 3], group: 4, pads: [1, 1, 1, 1, 1, 1], seed: 17)
    }

    func testConvAutoPad() throws {
        // in 10, kernel 4, stride 3: out 4, total pad (4-1)*3+4-10 = 3.
        try checkConv(x: [1, 2, 10, 10], w: [3, 2, 4, 4], strides: [3, 3], autoPad: "SAME_UPPER",
                      expectedPads: [1, 1, 2, 2], seed: 18)
        try checkConv(x: [1, 2, 10, 10], w: [3, 2, 4, 4], strides: [3, 3], autoPad: "SAME_LOWER",
                      expectedPads: [2, 2, 1, 1], seed: 19)
        try checkConv(x: [1, 2, 10, 9], w: [3, 2, 3, 3], strides: [2, 2], pads: [5, 5, 5, 5], autoPad: "VALID",
                      expectedPads: [0, 0, 0, 0], seed: 20)
        // Depthwise: H total pad 4*2+3-9 = 2 (1 and 1), W total 9*2+3-20 = 1 (0 and 1).
        try checkConv(x: [1, 3, 9, 20], w: [3, 1, 3, 3], group: 3, strides: [2, 2], autoPad: "SAME_UPPER",
                      expectedPads: [1, 0, 1, 1], seed: 21)
    }

    func testConvRejectsBadShapes() {
        var rng = ConvSupport.Random(seed: 22)
        let x = rng.tensor([1, 3, 5, 5])
        XCTAssertThrowsError(try ConvSupport.run("Conv", [x, rng.tensor([2, 2, 3, 3])]))
        XCTAssertThrowsError(try ConvSupport.run("Conv", [x, rng.tensor([2, 3, 3, 3])],
                                                 attributes: ["kernel_shape": .ints([2, 2])]))
        XCTAssertThrowsError(try ConvSupport.run("Conv", [x, rng.tensor([2, 3, 7, 7])]))
        XCTAssertThrowsError(try ConvSupport.run("Conv", [x, rng.tensor([2, 3, 3, 3])],
                                                 attributes: ["auto_pad": .string("SAME")]))
        XCTAssertThrowsError(try ConvSupport.run("Conv", [x, rng.tensor([2, 3, 3, 3]), rng.tensor([3])]))
        XCTAssertThrowsError(try ConvSupport.run("Conv", [x, rng.tensor([2, 3, 3, 3])],
                                                 attributes: ["strides": .ints([0, 1])]))
    }

    // MARK: ConvTranspose

    func checkConvTranspose(x: [Int], w: [Int], bias: Bool = true, group: Int = 1, strides: [Int]? = nil,
                            dilations: [Int]? = nil, pads: [Int]? = nil, outputPadding: [Int]? = nil,
                            outputShape: [Int]? = nil, autoPad: String? = nil, expectedPads: [Int]? = nil,
                            expectedSpatial: [Int]? = nil, seed: UInt64,
                            file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = ConvSupport.Random(seed: seed)
        let r = x.count - 2
        let xt = rng.tensor(x), wt = rng.tensor(w), bt = bias ? rng.tensor([w[1] * group]) : nil
        var attributes: [String: AttributeValue] = ["group": .int(group)]
        if let strides { attributes["strides"] = .ints(strides) }
        if let dilations { attributes["dilations"] = .ints(dilations) }
        if let pads { attributes["pads"] = .ints(pads) }
        if let outputPadding { attributes["output_padding"] = .ints(outputPadding) }
        if let outputShape { attributes["output_shape"] = .ints(outputShape) }
        if let autoPad { attributes["auto_pad"] = .string(autoPad) }
        let s = strides ?? Array(repeating: 1, count: r), d = dilations ?? Array(repeating: 1, count: r)
        let p = expectedPads ?? pads ?? Array(repeating: 0, count: 2 * r)
        let op = outputPadding ?? Array(repeating: 0, count: r)
        var spatial: [Int] = []
        for i in 0..<r {
            let full: Int = s[i] * (x[i + 2] - 1) + op[i] + (w[i + 2] - 1) * d[i] + 1
            spatial.append(full - p[i] - p[i + r])
        }
        if let expectedSpatial { spatial = expectedSpatial }
        let expected = Self.naiveConvTranspose(xt, wt, bt, group: group, strides: s, dilations: d, pads: p,
                                               outputSpatial: spatial)
        for constants in [Set([1, 2]), Set<Int>()] {
            let got = try ConvSupport.run("ConvTranspose", [xt, wt, bt], constants: constants, attributes: attributes)[0]
            ConvSupport.assertClose(got, expected, "constants \(constants)", file: file, line: line)
        }
    }

    func testConvTranspose2D() throws {
        try checkConvTranspose(x: [2, 3, 5, 6], w: [3, 4, 3, 3], seed: 30)
        try checkConvTranspose(x: [1, 3, 5, 6], w: [3, 2, 3, 3], strides: [2, 2], pads: [1, 1, 1, 1],
                               outputPadding: [1, 1], seed: 31)
        try checkConvTranspose(x: [1, 2, 4, 5], w: [2, 3, 2, 3], bias: false, strides: [3, 2], dilations: [2, 2],
                               pads: [0, 1, 2, 0], seed: 32)
    }

    func testConvTransposeGroups() throws {
        try checkConvTranspose(x: [2, 4, 5, 5], w: [4, 3, 3, 3], group: 2, strides: [2, 2], pads: [1, 0, 0, 1],
                               seed: 33)
        try checkConvTranspose(x: [1, 3, 6, 6], w: [3, 1, 4, 4], group: 3, strides: [2, 2], pads: [1, 1, 1, 1],
                               seed: 34)
    }

    func testConvTranspose1DAnd3D() throws {
        try checkConvTranspose(x: [1, 2, 9], w: [2, 3, 4], strides: [3], pads: [1, 2], seed: 35)
        try checkConvTranspose(x: [1, 2, 3, 4, 3], w: [2, 2, 2, 3, 2], strides: [2, 1, 2], seed: 36)
    }

    func testConvTransposeOutputShapeAndAutoPad() throws {
        // in 3, stride 3, kernel 3: full size 9; asking for 10 extends the end (pads 0 and -1).
        try checkConvTranspose(x: [1, 1, 3, 3], w: [1, 2, 3, 3], strides: [3, 2], outputShape: [10, 8],
                               expectedPads: [0, 0, -1, -1], expectedSpatial: [10, 8], seed: 37)
        // Smaller than full: total pad 2 in H (9 -> 7) split 1/1, 1 in W (7 -> 6) with the larger half first.
        try checkConvTranspose(x: [1, 1, 3, 3], w: [1, 2, 3, 3], strides: [3, 2], outputShape: [7, 6],
                               expectedPads: [1, 1, 1, 0], expectedSpatial: [7, 6], seed: 38)
        // SAME_UPPER: output = input * stride; total pad (3-1)*2+3-6 = 1 goes to the end.
        try checkConvTranspose(x: [1, 2, 3, 3], w: [2, 2, 3, 3], strides: [2, 2], autoPad: "SAME_UPPER",
                               expectedPads: [0, 0, 1, 1], expectedSpatial: [6, 6], seed: 39)
        try checkConvTranspose(x: [1, 2, 3, 3], w: [2, 2, 3, 3], strides: [2, 2], autoPad: "SAME_LOWER",
                               expectedPads: [1, 1, 0, 0], expectedSpatial: [6, 6], seed: 40)
    }

    func testConvTransposeRejectsBadShapes() {
        var rng = ConvSupport.Random(seed: 41)
        let x = rng.tensor([1, 3, 4, 4])
        XCTAssertThrowsError(try ConvSupport.run("ConvTranspose", [x, rng.tensor([2, 2, 3, 3])]))
        XCTAssertThrowsError(try ConvSupport.run("ConvTranspose", [x, rng.tensor([3, 2, 3, 3])],
                                                 attributes: ["group": .int(2)]))
        XCTAssertThrowsError(try ConvSupport.run("ConvTranspose", [x, rng.tensor([3, 2, 3, 3])],
                                                 attributes: ["pads": .ints([4, 4, 4, 4])]))
    }
}

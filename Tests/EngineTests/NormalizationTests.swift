import XCTest
@testable import Engine

/// BatchNormalization, LayerNormalization and InstanceNormalization against direct formulas in Double.
final class NormalizationTests: XCTestCase {
    func testBatchNormalizationConstantAndRuntimeStatistics() throws {
        var rng = ConvSupport.Random(seed: 1)
        for shape in [[2, 3, 4, 5], [3, 4], [1, 2, 17], [1, 2, 2, 3, 2]] {
            let c = shape[1]
            let x = rng.tensor(shape), scale = rng.tensor([c]), bias = rng.tensor([c]), mean = rng.tensor([c])
            let variance = Tensor(shape: [c], floats: (0..<c).map { _ in abs(rng.float()) + 0.1 })
            let eps: Float = 1e-3
            let xs = x.asFloats(), sv = scale.asFloats(), bv = bias.asFloats(), mv = mean.asFloats(), vv = variance.asFloats()
            let size = shape[2...].reduce(1, *)
            let expected = xs.indices.map { i -> Float in
                let ch = (i / size) % c
                return Float((Double(xs[i]) - Double(mv[ch])) / (Double(vv[ch]) + Double(eps)).squareRoot()
                             * Double(sv[ch]) + Double(bv[ch]))
            }
            for constants in [Set([1, 2, 3, 4]), Set<Int>()] {
                let got = try ConvSupport.run("BatchNormalization", [x, scale, bias, mean, variance],
                                              constants: constants, attributes: ["epsilon": .float(eps)])[0]
                ConvSupport.assertClose(got, Tensor(shape: shape, floats: expected), "\(shape)")
            }
        }
    }

    func testBatchNormalizationLegacyAttributesAndTrainingMode() throws {
        let x = Tensor(shape: [1, 1, 2], floats: [1, 3])
        let one = Tensor(shape: [1], floats: [1]), zero = Tensor(shape: [1], floats: [0])
        // Opset 7 models may carry spatial / is_test; they do not change inference.
        let got = try ConvSupport.run("BatchNormalization", [x, one, zero, Tensor(shape: [1], floats: [2]), one],
                                      attributes: ["spatial": .int(1), "is_test": .int(1), "epsilon": .float(0)],
                                      opset: 7)[0]
        XCTAssertEqual(try got.floats(), [-1, 1])
        XCTAssertThrowsError(try ConvSupport.run("BatchNormalization", [x, one, zero, zero, one],
                                                 attributes: ["training_mode": .int(1)])) { error in
            XCTAssert("\(error)".contains("training_mode"), "\(error)")
        }
        XCTAssertThrowsError(try ConvSupport.run("BatchNormalization",
                                                 [x, Tensor(shape: [2], floats: [1, 1]), zero, zero, one]))
    }

    /// LayerNormalization reference over the trailing axes from `axis`, with Scale/B of the normalized shape.
    func checkLayerNorm(shape: [Int], axis: Int, bias: Bool, seed: UInt64) throws {
        var rng = ConvSupport.Random(seed: seed)
        let a = axis < 0 ? axis + shape.count : axis
        let normShape = Array(shape[a...])
        let size = normShape.reduce(1, *), outer = shape[..<a].reduce(1, *)
        let x = rng.tensor(shape), scale = rng.tensor(normShape), b = bias ? rng.tensor(normShape) : nil
        let eps: Float = 1e-5
        let xs = x.asFloats(), sv = scale.asFloats(), bv = b?.asFloats()
        var y = [Float](), means = [Float](), inv = [Float]()
        for r in 0..<outer {
            let row = xs[(r * size)..<((r + 1) * size)].map(Double.init)
            let mean = row.reduce(0, +) / Double(size)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(size)
            let istd = 1 / (variance + Double(eps)).squareRoot()
            means.append(Float(mean))
            inv.append(Float(istd))
            for j in 0..<size { y.append(Float((row[j] - mean) * istd * Double(sv[j]) + Double(bv?[j] ?? 0))) }
        }
        let statShape = Array(shape[..<a]) + Array(repeating: 1, count: shape.count - a)
        let out = try ConvSupport.run("LayerNormalization", [x, scale, b], constants: [1, 2],
                                      attributes: ["axis": .int(axis), "epsilon": .float(eps)], outputs: 3)
        ConvSupport.assertClose(out[0], Tensor(shape: shape, floats: y), "\(shape) axis \(axis)")
        ConvSupport.assertClose(out[1], Tensor(shape: statShape, floats: means))
        ConvSupport.assertClose(out[2], Tensor(shape: statShape, floats: inv))
    }

    func testLayerNormalizationAxes() throws {
        try checkLayerNorm(shape: [2, 3, 20], axis: -1, bias: true, seed: 10)
        try checkLayerNorm(shape: [2, 3, 5], axis: 1, bias: false, seed: 11)
        try checkLayerNorm(shape: [4, 6], axis: 0, bias: true, seed: 12)
        try checkLayerNorm(shape: [2, 2, 3, 4], axis: -2, bias: true, seed: 13)
    }

    func testLayerNormalizationBroadcastScaleAndErrors() throws {
        var rng = ConvSupport.Random(seed: 14)
        let x = rng.tensor([2, 3, 4])
        // Scale [4] broadcasts over the normalized shape [3, 4].
        let scale = rng.tensor([4])
        let full = Tensor(shape: [3, 4], floats: (0..<12).map { scale.asFloats()[$0 % 4] })
        let a = try ConvSupport.run("LayerNormalization", [x, scale], attributes: ["axis": .int(1)])[0]
        let b = try ConvSupport.run("LayerNormalization", [x, full], attributes: ["axis": .int(1)])[0]
        ConvSupport.assertClose(a, b)
        XCTAssertThrowsError(try ConvSupport.run("LayerNormalization", [x, rng.tensor([3])]))
        XCTAssertThrowsError(try ConvSupport.run("LayerNormalization", [x, rng.tensor([4])],
                                                 attributes: ["axis": .int(3)]))
    }

    func testInstanceNormalization() throws {
        var rng = ConvSupport.Random(seed: 20)
        for shape in [[2, 3, 4, 5], [1, 2, 33], [1, 2, 2, 2, 3]] {
            let c = shape[1]
            let x = rng.tensor(shape), scale = rng.tensor([c]), bias = rng.tensor([c])
            let eps: Float = 1e-2
            let xs = x.asFloats(), sv = scale.asFloats(), bv = bias.asFloats()
            let size = shape[2...].reduce(1, *)
            var y = [Float]()
            for p in 0..<(shape[0] * c) {
                let ch = p % c
                let plane = xs[(p * size)..<((p + 1) * size)].map(Double.init)
                let mean = plane.reduce(0, +) / Double(size)
                let variance = plane.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(size)
                for v in plane {
                    y.append(Float((v - mean) / (variance + Double(eps)).squareRoot() * Double(sv[ch]) + Double(bv[ch])))
                }
            }
            let got = try ConvSupport.run("InstanceNormalization", [x, scale, bias],
                                          attributes: ["epsilon": .float(eps)])[0]
            ConvSupport.assertClose(got, Tensor(shape: shape, floats: y), "\(shape)")
        }
        XCTAssertThrowsError(try ConvSupport.run("InstanceNormalization",
                                                 [rng.tensor([1, 2, 3]), rng.tensor([3]), rng.tensor([2])]))
    }
}

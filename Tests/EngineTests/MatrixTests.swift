import XCTest
@testable import Engine

/// Gemm and MatMul against triple-loop references on seeded random data.
final class MatrixTests: XCTestCase {
    /// C[i][j] = sum_k A[i][k] * B[k][j] for row-major [m, k] x [k, n].
    static func naiveProduct(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
                c[i * n + j] = s
            }
        }
        return c
    }

    static func transpose(_ a: [Float], rows: Int, cols: Int) -> [Float] {
        var t = [Float](repeating: 0, count: a.count)
        for i in 0..<rows { for j in 0..<cols { t[j * rows + i] = a[i * cols + j] } }
        return t
    }

    func checkGemm(m: Int, k: Int, n: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float, cShape: [Int]?,
                   seed: UInt64, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = ConvSupport.Random(seed: seed)
        let a = rng.tensor(transA ? [k, m] : [m, k]), b = rng.tensor(transB ? [n, k] : [k, n])
        let c = cShape.map { rng.tensor($0) }
        let av = transA ? Self.transpose(a.asFloats(), rows: k, cols: m) : a.asFloats()
        let bv = transB ? Self.transpose(b.asFloats(), rows: n, cols: k) : b.asFloats()
        var expected = Self.naiveProduct(av, bv, m: m, k: k, n: n).map { $0 * alpha }
        if let c {
            let shape = Array(repeating: 1, count: 2 - c.rank) + c.shape
            let cv = c.asFloats()
            for i in 0..<m {
                for j in 0..<n {
                    expected[i * n + j] += beta * cv[(shape[0] == 1 ? 0 : i) * shape[1] + (shape[1] == 1 ? 0 : j)]
                }
            }
        }
        let attributes: [String: AttributeValue] = ["alpha": .float(alpha), "beta": .float(beta),
                                                    "transA": .int(transA ? 1 : 0), "transB": .int(transB ? 1 : 0)]
        for constants in [Set([1, 2]), Set<Int>()] {
            let got = try ConvSupport.run("Gemm", [a, b, c], constants: constants, attributes: attributes)[0]
            ConvSupport.assertClose(got, Tensor(shape: [m, n], floats: expected), file: file, line: line)
        }
    }

    func testGemmTransposesAndScales() throws {
        var seed: UInt64 = 1
        for transA in [false, true] {
            for transB in [false, true] {
                try checkGemm(m: 5, k: 7, n: 6, transA: transA, transB: transB, alpha: 0.5, beta: 2, cShape: [5, 6],
                              seed: seed)
                seed += 1
            }
        }
    }

    func testGemmBiasBroadcasts() throws {
        for (i, shape) in [[], [1], [6], [1, 6], [5, 1], [1, 1]].enumerated() {
            try checkGemm(m: 5, k: 3, n: 6, transA: false, transB: true, alpha: 1, beta: 0.25, cShape: shape,
                          seed: 10 + UInt64(i))
        }
        try checkGemm(m: 4, k: 3, n: 2, transA: false, transB: false, alpha: 1.5, beta: 1, cShape: nil, seed: 20)
    }

    func testGemmRejectsMismatches() {
        var rng = ConvSupport.Random(seed: 21)
        XCTAssertThrowsError(try ConvSupport.run("Gemm", [rng.tensor([2, 3]), rng.tensor([4, 5])]))
        XCTAssertThrowsError(try ConvSupport.run("Gemm", [rng.tensor([2, 3]), rng.tensor([3, 5]), rng.tensor([3])]))
        XCTAssertThrowsError(try ConvSupport.run("Gemm", [rng.tensor([2, 3, 1]), rng.tensor([3, 5])]))
    }

    /// numpy matmul semantics written out directly: promote 1-D, broadcast batches, drop promoted axes.
    static func naiveMatMul(_ a: Tensor, _ b: Tensor) -> Tensor {
        let aShape = a.rank == 1 ? [1, a.shape[0]] : a.shape
        let bShape = b.rank == 1 ? [b.shape[0], 1] : b.shape
        let m = aShape[aShape.count - 2], k = aShape.last!, n = bShape.last!
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        let rank = max(aBatch.count, bBatch.count)
        let pa = Array(repeating: 1, count: rank - aBatch.count) + aBatch
        let pb = Array(repeating: 1, count: rank - bBatch.count) + bBatch
        let batch = zip(pa, pb).map { max($0, $1) }
        let batchCount = batch.reduce(1, *)
        let av = a.asFloats(), bv = b.asFloats()
        var out: [Float] = []
        for bi in 0..<batchCount {
            var rem = bi, ai = 0, bj = 0, aStride = 1, bStride = 1
            for d in stride(from: rank - 1, through: 0, by: -1) {
                let idx = rem % batch[d]
                rem /= batch[d]
                ai += (pa[d] == 1 ? 0 : idx) * aStride
                bj += (pb[d] == 1 ? 0 : idx) * bStride
                aStride *= pa[d]
                bStride *= pb[d]
            }
            out += naiveProduct(Array(av[(ai * m * k)..<((ai + 1) * m * k)]),
                                Array(bv[(bj * k * n)..<((bj + 1) * k * n)]), m: m, k: k, n: n)
        }
        var shape = batch
        if a.rank != 1 { shape.append(m) }
        if b.rank != 1 { shape.append(n) }
        return Tensor(shape: shape, floats: out)
    }

    func testMatMulShapes() throws {
        let cases: [([Int], [Int])] = [
            ([4], [4]), ([3], [3, 5]), ([2, 3], [3]), ([6, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([4], [2, 4, 3]),
            ([2, 1, 3, 4], [5, 4, 2]), ([3, 4], [2, 4, 6]), ([2, 3, 2, 5], [2, 3, 5, 1]), ([1, 5, 2], [3, 2, 4]),
        ]
        for (i, (sa, sb)) in cases.enumerated() {
            var rng = ConvSupport.Random(seed: 40 + UInt64(i))
            let a = rng.tensor(sa), b = rng.tensor(sb)
            for constants in [Set([1]), Set<Int>()] {
                let got = try ConvSupport.run("MatMul", [a, b], constants: constants)[0]
                ConvSupport.assertClose(got, Self.naiveMatMul(a, b), "\(sa) x \(sb)")
            }
        }
    }

    func testMatMulEmptyInnerDimensionGivesZeros() throws {
        let got = try ConvSupport.run("MatMul", [Tensor(shape: [2, 0], floats: []), Tensor(shape: [0, 3], floats: [])])[0]
        XCTAssertEqual(got.shape, [2, 3])
        XCTAssertEqual(try got.floats(), [Float](repeating: 0, count: 6))
    }

    func testMatMulRejectsMismatches() {
        var rng = ConvSupport.Random(seed: 60)
        XCTAssertThrowsError(try ConvSupport.run("MatMul", [rng.tensor([2, 3]), rng.tensor([4, 5])]))
        XCTAssertThrowsError(try ConvSupport.run("MatMul", [rng.tensor([2, 2, 3]), rng.tensor([3, 3, 5])]))
        XCTAssertThrowsError(try ConvSupport.run("MatMul", [Tensor(scalar: 1), rng.tensor([1, 5])]))
    }

    func testBlasConfigurationReportsCoreAndRespectsExplicitCoreType() {
        XCTAssertFalse(BlasConfiguration.coreName.isEmpty)
        if let core = BlasConfiguration.supportedCoreType() { XCTAssert(["SkylakeX", "Haswell"].contains(core)) }
        // An explicit OPENBLAS_CORETYPE is the user's choice: never override it.
        setenv("OPENBLAS_CORETYPE", "Prescott", 1)
        defer { unsetenv("OPENBLAS_CORETYPE") }
        XCTAssertNil(BlasConfiguration.betterCoreType())
    }
}

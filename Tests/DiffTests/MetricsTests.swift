import XCTest
@testable import Diff

/// Hand-computed values for every metric and every documented edge case.
final class MetricsTests: XCTestCase {
    private func assertClose(_ x: Double, _ y: Double, _ tolerance: Double = 1e-12,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(x, y, accuracy: tolerance * max(1, abs(y)), file: file, line: line)
    }

    func testSimpleVectorAllMetrics() {
        // a = [1,2,3], b = [1,2,4]: Σa²=14, Σb²=21, Σab=17, b−a=[0,0,1].
        let m = TensorMetrics.compare([1, 2, 3], [1, 2, 4])
        assertClose(m.cosineSimilarity, 17 / 294.0.squareRoot())
        assertClose(m.cosineSimilarity, 0.9914601339836675)
        assertClose(m.relativeDistance, 1 / 14.0.squareRoot())
        XCTAssertEqual(m.maxAbsError, 1)
        assertClose(m.meanSquaredError, 1.0 / 3)
        assertClose(m.meanError, 1.0 / 3)
        assertClose(m.sqnrDB, 10 * log10(14.0))
        assertClose(m.sqnrDB, 11.46128035678238)
        XCTAssertEqual(m.elementCount, 3)
        XCTAssertEqual(m.comparedCount, 3)
        XCTAssertEqual(m.referenceNonFinite, NonFiniteCounts())
        XCTAssertEqual(m.candidateNonFinite, NonFiniteCounts())
        XCTAssertNil(m.lengthMismatch)
    }

    func testSwappedPairAndNegativeError() {
        // a = [3,4], b = [4,3]: Σab = 24, |a| = |b| = 5, b−a = [1,−1].
        let m = TensorMetrics.compare([3, 4], [4, 3])
        assertClose(m.cosineSimilarity, 0.96)
        assertClose(m.relativeDistance, 2.0.squareRoot() / 5)
        XCTAssertEqual(m.maxAbsError, 1)
        XCTAssertEqual(m.meanSquaredError, 1)
        XCTAssertEqual(m.meanError, 0)
        assertClose(m.sqnrDB, 20 * log10(5 / 2.0.squareRoot()))
    }

    func testOppositeVectors() {
        // b = −a: cosine −1, |a−b| = 2|a|.
        let m = TensorMetrics.compare([1, -2], [-1, 2])
        XCTAssertEqual(m.cosineSimilarity, -1)
        assertClose(m.relativeDistance, 2)
        XCTAssertEqual(m.maxAbsError, 4)
        XCTAssertEqual(m.meanSquaredError, 10)
        XCTAssertEqual(m.meanError, 1)
        assertClose(m.sqnrDB, 20 * log10(0.5))
    }

    func testOrthogonalVectors() {
        let m = TensorMetrics.compare([1, 0], [0, 1])
        XCTAssertEqual(m.cosineSimilarity, 0)
        assertClose(m.relativeDistance, 2.0.squareRoot())
        assertClose(m.sqnrDB, 10 * log10(0.5))
    }

    func testBothZero() {
        let m = TensorMetrics.compare([0, 0, 0], [0, -0.0, 0])
        XCTAssertEqual(m.cosineSimilarity, 1)
        XCTAssertEqual(m.relativeDistance, 0)
        XCTAssertEqual(m.maxAbsError, 0)
        XCTAssertEqual(m.meanSquaredError, 0)
        XCTAssertEqual(m.meanError, 0)
        XCTAssertEqual(m.sqnrDB, .infinity)
    }

    func testReferenceZeroCandidateNot() {
        let m = TensorMetrics.compare([0, 0], [3, 4])
        XCTAssertEqual(m.cosineSimilarity, 0)
        XCTAssertEqual(m.relativeDistance, .infinity)
        XCTAssertEqual(m.maxAbsError, 4)
        XCTAssertEqual(m.meanSquaredError, 12.5)
        XCTAssertEqual(m.meanError, 3.5)
        XCTAssertEqual(m.sqnrDB, -.infinity)
    }

    func testCandidateZeroReferenceNot() {
        let m = TensorMetrics.compare([3, 4], [0, 0])
        XCTAssertEqual(m.cosineSimilarity, 0)
        XCTAssertEqual(m.relativeDistance, 1)
        XCTAssertEqual(m.maxAbsError, 4)
        XCTAssertEqual(m.meanSquaredError, 12.5)
        XCTAssertEqual(m.meanError, -3.5)
        XCTAssertEqual(m.sqnrDB, 0)
    }

    func testIdenticalTensorsAreExact() {
        // Includes a subnormal, a huge value and enough elements to use the SIMD path.
        let a: [Float] = [0.1, -7.5, 3e30, .leastNonzeroMagnitude, 2, -3, 4, 5, 6.25, -0.001, 42]
        let m = TensorMetrics.compare(a, a)
        XCTAssertEqual(m.cosineSimilarity, 1)
        XCTAssertEqual(m.relativeDistance, 0)
        XCTAssertEqual(m.maxAbsError, 0)
        XCTAssertEqual(m.meanSquaredError, 0)
        XCTAssertEqual(m.meanError, 0)
        XCTAssertEqual(m.sqnrDB, .infinity)
    }

    func testEmptyTensors() {
        let m = TensorMetrics.compare([], [])
        XCTAssertEqual(m.cosineSimilarity, 1)
        XCTAssertEqual(m.relativeDistance, 0)
        XCTAssertEqual(m.maxAbsError, 0)
        XCTAssertEqual(m.meanSquaredError, 0)
        XCTAssertEqual(m.meanError, 0)
        XCTAssertEqual(m.sqnrDB, .infinity)
        XCTAssertEqual(m.elementCount, 0)
        XCTAssertEqual(m.comparedCount, 0)
    }

    func testNonFiniteValuesAreSkippedAndCounted() {
        // Only indices 0 and 4 are finite pairs: (1,1) and (3,4).
        let a: [Float] = [1, .nan, 2, .infinity, 3]
        let b: [Float] = [1, 5, -.infinity, 2, 4]
        let m = TensorMetrics.compare(a, b)
        XCTAssertEqual(m.referenceNonFinite, NonFiniteCounts(nan: 1, infinity: 1))
        XCTAssertEqual(m.candidateNonFinite, NonFiniteCounts(nan: 0, infinity: 1))
        XCTAssertEqual(m.elementCount, 5)
        XCTAssertEqual(m.comparedCount, 2)
        let finite = TensorMetrics.compare([1, 3], [1, 4])
        XCTAssertEqual(m.cosineSimilarity, finite.cosineSimilarity)
        assertClose(m.cosineSimilarity, 13 / (10.0 * 17).squareRoot())
        XCTAssertEqual(m.relativeDistance, finite.relativeDistance)
        XCTAssertEqual(m.maxAbsError, 1)
        XCTAssertEqual(m.meanSquaredError, 0.5)
        XCTAssertEqual(m.meanError, 0.5)
        XCTAssertEqual(m.sqnrDB, finite.sqnrDB)
    }

    func testNonFiniteInsideSimdBlocks() {
        // 19 elements: two full 8-lane blocks (the second holds a NaN) and a scalar tail holding an infinity.
        var a = (0..<19).map { Float($0) - 9 }
        var b = a.map { $0 * 1.5 }
        a[10] = .nan
        b[10] = .nan
        b[17] = -.infinity
        let m = TensorMetrics.compare(a, b)
        XCTAssertEqual(m.referenceNonFinite, NonFiniteCounts(nan: 1, infinity: 0))
        XCTAssertEqual(m.candidateNonFinite, NonFiniteCounts(nan: 1, infinity: 1))
        XCTAssertEqual(m.comparedCount, 17)
        let keep = (0..<19).filter { $0 != 10 && $0 != 17 }
        let finite = TensorMetrics.compare(keep.map { a[$0] }, keep.map { b[$0] })
        assertClose(m.cosineSimilarity, finite.cosineSimilarity)
        assertClose(m.meanSquaredError, finite.meanSquaredError)
        assertClose(m.meanError, finite.meanError)
        XCTAssertEqual(m.maxAbsError, finite.maxAbsError)
        XCTAssertEqual(m.maxAbsError, 0.5 * 9)  // |1.5x − x| is largest at x = −9
    }

    func testNoFinitePairsComparesLikeEmptyButCounts() {
        let m = TensorMetrics.compare([1, 2], [.nan, .nan])
        XCTAssertEqual(m.cosineSimilarity, 1)
        XCTAssertEqual(m.comparedCount, 0)
        XCTAssertEqual(m.candidateNonFinite.nan, 2)
        XCTAssertEqual(SeverityThresholds.standard.classify(m), .fail)
    }

    func testHugeValuesDoNotOverflow() {
        let m = TensorMetrics.compare([3e38, -3e38], [-3e38, 3e38])
        XCTAssertEqual(m.cosineSimilarity, -1)
        assertClose(m.maxAbsError, 6e38, 1e-6)
        XCTAssertTrue(m.meanSquaredError.isFinite)
        assertClose(m.relativeDistance, 2, 1e-9)
        assertClose(m.sqnrDB, 20 * log10(0.5), 1e-9)
    }

    func testCosineIsClampedForParallelVectors() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let a = (0..<37).map { _ in Float(rng.nextDouble(in: -1000...1000)) }
            let twice = a.map { $0 * 2 }   // exact scaling: cosine is 1 up to rounding
            let up = TensorMetrics.compare(a, twice).cosineSimilarity
            XCTAssertLessThanOrEqual(up, 1)
            XCTAssertEqual(up, 1, accuracy: 1e-12)
            let down = TensorMetrics.compare(a, twice.map { -$0 }).cosineSimilarity
            XCTAssertGreaterThanOrEqual(down, -1)
            XCTAssertEqual(down, -1, accuracy: 1e-12)
        }
    }

    func testLengthMismatch() {
        let m = TensorMetrics.compare([1, 2, 3], [1, 2])
        XCTAssertEqual(m.lengthMismatch, TensorMetrics.LengthMismatch(reference: 3, candidate: 2))
        XCTAssertEqual(m.cosineSimilarity, 0)
        XCTAssertEqual(m.relativeDistance, .infinity)
        XCTAssertEqual(m.maxAbsError, .infinity)
        XCTAssertEqual(m.meanSquaredError, .infinity)
        XCTAssertEqual(m.meanError, 0)
        XCTAssertEqual(m.sqnrDB, -.infinity)
        XCTAssertEqual(m.comparedCount, 0)
        XCTAssertEqual(SeverityThresholds.standard.classify(m), .fail)
        XCTAssertThrowsError(try Metrics.cosineSimilarity([1, 2, 3], [1, 2])) { error in
            XCTAssertEqual(error as? MetricsError, .lengthMismatch(reference: 3, candidate: 2))
        }
    }

    func testSingleMetricFunctionsMatchCompare() throws {
        let a: [Float] = [1, .nan, -2.5, 4, 0.25, 8, -1, 3, 2]
        let b: [Float] = [1.5, 2, -2, .infinity, 0, 7, -1, 3.5, 2]
        let m = TensorMetrics.compare(a, b)
        XCTAssertEqual(try Metrics.cosineSimilarity(a, b), m.cosineSimilarity)
        XCTAssertEqual(try Metrics.relativeDistance(a, b), m.relativeDistance)
        XCTAssertEqual(try Metrics.maxAbsError(a, b), m.maxAbsError)
        XCTAssertEqual(try Metrics.meanSquaredError(a, b), m.meanSquaredError)
        XCTAssertEqual(try Metrics.meanError(a, b), m.meanError)
        XCTAssertEqual(try Metrics.sqnrDB(a, b), m.sqnrDB)
        let counts = try Metrics.nonFiniteCounts(a, b)
        XCTAssertEqual(counts.reference, NonFiniteCounts(nan: 1, infinity: 0))
        XCTAssertEqual(counts.candidate, NonFiniteCounts(nan: 0, infinity: 1))
    }
}

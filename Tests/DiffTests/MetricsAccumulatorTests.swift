import XCTest
@testable import Diff

/// The sample accumulator against values combined by hand, plus severity and the help text.
final class MetricsAccumulatorTests: XCTestCase {
    func testThreeSamplesByHand() {
        var acc = MetricsAccumulator()
        acc.add(reference: [1, 2, 3], candidate: [1, 2, 4])  // Σa²=14, Σe²=1,  Σe=1, max 1, cos 17/√294
        acc.add(reference: [3, 4], candidate: [4, 3])        // Σa²=25, Σe²=2,  Σe=0, max 1, cos 0.96
        acc.add(reference: [1, -2], candidate: [-1, 2])      // Σa²=5,  Σe²=20, Σe=2, max 4, cos −1
        let m = acc.result
        XCTAssertEqual(acc.sampleCount, 3)
        XCTAssertEqual(m.elementCount, 7)
        XCTAssertEqual(m.comparedCount, 7)
        XCTAssertEqual(m.cosineSimilarity, (17 / 294.0.squareRoot() + 0.96 - 1) / 3, accuracy: 1e-12)
        XCTAssertEqual(m.maxAbsError, 4)
        XCTAssertEqual(m.meanSquaredError, 23.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(m.meanError, 3.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(m.relativeDistance, (23.0 / 44).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m.sqnrDB, 10 * log10(44.0 / 23), accuracy: 1e-12)
    }

    func testNonFiniteCountsAreSummedAndWeightingUsesComparedPairs() {
        var acc = MetricsAccumulator()
        acc.add(reference: [.nan, 1, 2], candidate: [1, 1, 4])       // compares (1,1),(2,4): Σe²=4, Σe=2
        acc.add(reference: [1, .infinity], candidate: [.nan, -.infinity])  // nothing compared
        let m = acc.result
        XCTAssertEqual(m.elementCount, 5)
        XCTAssertEqual(m.comparedCount, 2)
        XCTAssertEqual(m.referenceNonFinite, NonFiniteCounts(nan: 1, infinity: 1))
        XCTAssertEqual(m.candidateNonFinite, NonFiniteCounts(nan: 1, infinity: 1))
        XCTAssertEqual(m.meanSquaredError, 2)
        XCTAssertEqual(m.meanError, 1)
        // Sample cosines: (1·1 + 2·4)/(√5·√17) and 1 (nothing compared).
        XCTAssertEqual(m.cosineSimilarity, (9 / 85.0.squareRoot() + 1) / 2, accuracy: 1e-12)
    }

    func testEmptyAccumulator() {
        let m = MetricsAccumulator().result
        XCTAssertEqual(m.cosineSimilarity, 1)
        XCTAssertEqual(m.relativeDistance, 0)
        XCTAssertEqual(m.meanSquaredError, 0)
        XCTAssertEqual(m.sqnrDB, .infinity)
        XCTAssertEqual(m.elementCount, 0)
    }

    func testSingleSampleEqualsCompare() {
        let a: [Float] = [0.5, -1, 2, 8, 3, -4, 1, 0, 9, 10]
        let b: [Float] = [0.4, -1.1, 2.2, 7.5, 3, -4, 1.25, 0.1, 9, 11]
        var acc = MetricsAccumulator()
        let sample = acc.add(reference: a, candidate: b)
        XCTAssertEqual(acc.result, sample)
    }

    func testLengthMismatchIsSticky() {
        var acc = MetricsAccumulator()
        acc.add(reference: [1, 2], candidate: [1, 2])
        acc.add(reference: [1, 2, 3], candidate: [1])
        acc.add(reference: [1], candidate: [1, 2])
        acc.add(reference: [5], candidate: [5])
        let m = acc.result
        XCTAssertEqual(acc.sampleCount, 4)
        XCTAssertEqual(m.lengthMismatch, TensorMetrics.LengthMismatch(reference: 3, candidate: 1))
        XCTAssertEqual(m.cosineSimilarity, 0)
    }

    func testSeverityThresholds() throws {
        let t = SeverityThresholds.standard
        XCTAssertEqual(t.warn, 0.99)
        XCTAssertEqual(t.fail, 0.8)
        XCTAssertEqual(t.classify(cosine: 1), .ok)
        XCTAssertEqual(t.classify(cosine: 0.99), .ok)
        XCTAssertEqual(t.classify(cosine: 0.9899), .warn)
        XCTAssertEqual(t.classify(cosine: 0.8), .warn)
        XCTAssertEqual(t.classify(cosine: 0.7999), .fail)
        XCTAssertEqual(t.classify(cosine: -1), .fail)
        XCTAssertEqual(t.classify(cosine: .nan), .fail)
        let custom = try SeverityThresholds(warn: 0.999, fail: 0.95)
        XCTAssertEqual(custom.classify(cosine: 0.998), .warn)
        XCTAssertEqual(custom.classify(cosine: 0.9), .fail)
        XCTAssertEqual(try SeverityThresholds(), t)
        XCTAssertThrowsError(try SeverityThresholds(warn: 0.8, fail: 0.9))
        XCTAssertThrowsError(try SeverityThresholds(warn: 1.5, fail: 0.9))
        XCTAssertThrowsError(try SeverityThresholds(warn: .nan, fail: 0.9))
        XCTAssertLessThan(Severity.ok, Severity.warn)
        XCTAssertLessThan(Severity.warn, Severity.fail)
    }

    func testSeverityOfMetrics() {
        let t = SeverityThresholds.standard
        XCTAssertEqual(t.classify(TensorMetrics.compare([1, 2, 3], [1, 2, 3])), .ok)
        XCTAssertEqual(t.classify(TensorMetrics.compare([1, 2, 3], [1, 2, 4])), .ok)   // cos ≈ 0.9915
        XCTAssertEqual(t.classify(TensorMetrics.compare([3, 4], [4, 3])), .warn)        // cos = 0.96
        XCTAssertEqual(t.classify(TensorMetrics.compare([1, 0], [0, 1])), .fail)
        // A NaN the reference also has does not fail; a new one does.
        XCTAssertEqual(t.classify(TensorMetrics.compare([.nan, 1], [.nan, 1])), .ok)
        XCTAssertEqual(t.classify(TensorMetrics.compare([2, 1], [.nan, 1])), .fail)
    }

    func testEveryMetricHasOneDefinition() {
        XCTAssertEqual(MetricDefinitions.all.map(\.kind), MetricKind.allCases)
        XCTAssertEqual(Set(MetricDefinitions.all.map(\.shortName)).count, MetricKind.allCases.count)
        for d in MetricDefinitions.all {
            XCTAssertFalse(d.name.isEmpty || d.formula.isEmpty || d.meaning.isEmpty || d.edgeCases.isEmpty)
            XCTAssertEqual(MetricDefinitions.definition(of: d.kind).name, d.name)
        }
    }

    /// The edge-case sentences promise specific values; check the code delivers them.
    func testDefinitionTextMatchesCode() {
        let empty = TensorMetrics.compare([], [])
        let zeroRef = TensorMetrics.compare([0, 0], [1, 0])
        let zeroCand = TensorMetrics.compare([1, 0], [0, 0])
        let text = { (kind: MetricKind) in MetricDefinitions.definition(of: kind).edgeCases.joined(separator: "\n") }
        XCTAssertTrue(text(.cosineSimilarity).contains("empty: 1") && empty.cosineSimilarity == 1)
        XCTAssertTrue(text(.cosineSimilarity).contains("exactly one tensor all-zero: 0"))
        XCTAssertEqual(zeroRef.cosineSimilarity, 0)
        XCTAssertEqual(zeroCand.cosineSimilarity, 0)
        XCTAssertTrue(text(.relativeDistance).contains("candidate not: +inf") && zeroRef.relativeDistance == .infinity)
        XCTAssertTrue(text(.sqnr).contains("candidate not: -inf") && zeroRef.sqnrDB == -.infinity)
        XCTAssertTrue(text(.sqnr).contains("empty): +inf") && empty.sqnrDB == .infinity)
        XCTAssertTrue(MetricDefinitions.generalRules.contains { $0.contains("default 0.99") && $0.contains("default 0.8") })
    }
}

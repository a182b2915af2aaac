import XCTest
@testable import Diff

/// Deterministic generator for reproducible random tests.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextDouble(in range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &self) }
}

/// The one-pass SIMD kernel against a plain, obviously correct Double implementation on random data.
final class MetricsPropertyTests: XCTestCase {
    private struct Naive {
        var cosine = 1.0, relative = 0.0, maxAbs = 0.0, mse = 0.0, meanError = 0.0, sqnr = Double.infinity
        var compared = 0, refNaN = 0, refInf = 0, candNaN = 0, candInf = 0
    }

    private func naive(_ a: [Float], _ b: [Float]) -> Naive {
        var r = Naive()
        var pairs: [(Double, Double)] = []
        for i in a.indices {
            if a[i].isNaN { r.refNaN += 1 }
            if a[i].isInfinite { r.refInf += 1 }
            if b[i].isNaN { r.candNaN += 1 }
            if b[i].isInfinite { r.candInf += 1 }
            if a[i].isFinite && b[i].isFinite { pairs.append((Double(a[i]), Double(b[i]))) }
        }
        r.compared = pairs.count
        guard !pairs.isEmpty else { return r }
        let normA = pairs.map { $0.0 * $0.0 }.reduce(0, +).squareRoot()
        let normB = pairs.map { $0.1 * $0.1 }.reduce(0, +).squareRoot()
        let dot = pairs.map { $0.0 * $0.1 }.reduce(0, +)
        let errors = pairs.map { $0.1 - $0.0 }
        let normE = errors.map { $0 * $0 }.reduce(0, +).squareRoot()
        r.maxAbs = errors.map(abs).max() ?? 0
        r.mse = errors.map { $0 * $0 }.reduce(0, +) / Double(pairs.count)
        r.meanError = errors.reduce(0, +) / Double(pairs.count)
        if normE == 0 { return r }
        r.cosine = (normA == 0 || normB == 0) ? 0 : min(1, max(-1, dot / (normA * normB)))
        r.relative = normA == 0 ? .infinity : normE / normA
        r.sqnr = normA == 0 ? -.infinity : 20 * log10(normA / normE)
        return r
    }

    private func randomPair(count: Int, rng: inout SplitMix64, nonFinite: Bool) -> ([Float], [Float]) {
        let scale = pow(10, rng.nextDouble(in: -3...3))
        let noise = pow(10, rng.nextDouble(in: -4...0))
        let offset = rng.nextDouble(in: -0.1...0.1)
        var a = (0..<count).map { _ in Float(rng.nextDouble(in: -scale...scale)) }
        var b = a.map { Float(Double($0) + scale * (offset + noise * rng.nextDouble(in: -1...1))) }
        if nonFinite && count > 0 {
            let specials: [Float] = [.nan, .infinity, -.infinity]
            for _ in 0..<(1 + count / 50) {
                let i = Int.random(in: 0..<count, using: &rng)
                if Bool.random(using: &rng) { a[i] = specials.randomElement(using: &rng)! }
                else { b[i] = specials.randomElement(using: &rng)! }
            }
        }
        return (a, b)
    }

    private func check(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) {
        let m = TensorMetrics.compare(a, b), n = naive(a, b)
        let tol = 1e-9
        XCTAssertEqual(m.comparedCount, n.compared, file: file, line: line)
        XCTAssertEqual(m.referenceNonFinite, NonFiniteCounts(nan: n.refNaN, infinity: n.refInf), file: file, line: line)
        XCTAssertEqual(m.candidateNonFinite, NonFiniteCounts(nan: n.candNaN, infinity: n.candInf), file: file, line: line)
        XCTAssertEqual(m.maxAbsError, n.maxAbs, file: file, line: line)  // max is order-independent: exact
        XCTAssertEqual(m.cosineSimilarity, n.cosine, accuracy: tol, file: file, line: line)
        XCTAssertEqual(m.relativeDistance, n.relative, accuracy: tol * max(1, n.relative), file: file, line: line)
        XCTAssertEqual(m.meanSquaredError, n.mse, accuracy: tol * max(1e-30, n.mse), file: file, line: line)
        let meanTol = tol * max(1e-30, n.mse.squareRoot(), abs(n.meanError))
        XCTAssertEqual(m.meanError, n.meanError, accuracy: meanTol, file: file, line: line)
        XCTAssertEqual(m.sqnrDB, n.sqnr, accuracy: 1e-7, file: file, line: line)
        for value in [m.cosineSimilarity, m.relativeDistance, m.maxAbsError, m.meanSquaredError, m.meanError, m.sqnrDB] {
            XCTAssertFalse(value.isNaN, file: file, line: line)
        }
    }

    func testRandomAgainstNaiveReference() {
        var rng = SplitMix64(seed: 0x5EED)
        let counts = Array(0...33) + [63, 64, 65, 127, 1000, 4099, 100_003]
        for count in counts {
            for nonFinite in [false, true] {
                let (a, b) = randomPair(count: count, rng: &rng, nonFinite: nonFinite)
                check(a, b)
            }
        }
    }

    func testRandomAccumulatorAgainstConcatenation() {
        var rng = SplitMix64(seed: 99)
        var acc = MetricsAccumulator()
        var all: ([Float], [Float]) = ([], [])
        var cosines: [Double] = []
        var maxAbs = 0.0
        for _ in 0..<6 {
            let (a, b) = randomPair(count: Int.random(in: 1...300, using: &rng), rng: &rng, nonFinite: true)
            acc.add(reference: a, candidate: b)
            cosines.append(naive(a, b).cosine)
            maxAbs = max(maxAbs, naive(a, b).maxAbs)
            all.0 += a
            all.1 += b
        }
        let m = acc.result, whole = naive(all.0, all.1)
        XCTAssertEqual(m.cosineSimilarity, cosines.reduce(0, +) / 6, accuracy: 1e-9)
        XCTAssertEqual(m.maxAbsError, maxAbs)
        XCTAssertEqual(m.comparedCount, whole.compared)
        XCTAssertEqual(m.elementCount, all.0.count)
        XCTAssertEqual(m.meanSquaredError, whole.mse, accuracy: 1e-9 * whole.mse)
        XCTAssertEqual(m.meanError, whole.meanError, accuracy: 1e-9 * max(whole.mse.squareRoot(), abs(whole.meanError)))
        XCTAssertEqual(m.relativeDistance, whole.relative, accuracy: 1e-9 * whole.relative)
        XCTAssertEqual(m.sqnrDB, whole.sqnr, accuracy: 1e-7)
        XCTAssertEqual(m.referenceNonFinite, NonFiniteCounts(nan: whole.refNaN, infinity: whole.refInf))
        XCTAssertEqual(m.candidateNonFinite, NonFiniteCounts(nan: whole.candNaN, infinity: whole.candInf))
    }
}

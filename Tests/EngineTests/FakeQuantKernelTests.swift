import XCTest
@testable import Engine

/// The vectorized `QuantParams.fakeQuantized` against the plain per-element loop it replaced.
final class FakeQuantKernelTests: XCTestCase {
    func reference(_ values: [Float], _ p: QuantParams) -> [Float] {
        let zp = Float(p.zeroPoint), lo = Float(p.qmin), hi = Float(p.qmax)
        return values.map { v in
            var q = (v / p.scale).rounded(.toNearestOrEven) + zp
            q = q.isNaN ? zp : min(max(q, lo), hi)
            return (q - zp) * p.scale
        }
    }

    func testMatchesTheScalarLoopBitForBit() throws {
        var rng = CalibRNG(seed: 3)
        let params = [try QuantParams(range: CalibrationRange(min: -2, max: 2), scheme: .int8Symmetric),
                      try QuantParams(range: CalibrationRange(min: -0.3, max: 5), scheme: .uint8Asymmetric),
                      QuantParams(scale: 0.5, zeroPoint: 0, qmin: -128, qmax: 127)]
        for p in params {
            for n in [0, 1, 7, 8, 9, 31, 100] {
                var values = (0..<n).map { _ in Float(rng.gaussian() * 3) }
                // Ties, saturation and non-finite values.
                let specials: [Float] = [0.25, -0.25, 0.75, 1000, -1000, .nan, .infinity, -.infinity, -0.0]
                for (k, v) in specials.enumerated() where k < n { values[(k * 5) % n] = v }
                let got = try p.fakeQuantized(Tensor(shape: [n], floats: values)).floats()
                let want = reference(values, p)
                XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern), "\(p) n=\(n)")
            }
        }
    }
}

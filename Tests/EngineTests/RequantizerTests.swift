import XCTest
@testable import Engine

final class RequantizerTests: XCTestCase {
    /// factor 0.5 exactly: multiplier 2^30, shift 31.
    let half = Requantizer(multiplier: 1 << 30, shift: 31)
    let halfEven = Requantizer(multiplier: 1 << 30, shift: 31, rounding: .halfToEven)

    func testTiesRoundHalfAwayFromZero() {
        // x · 0.5 for x = 1, 3, 5, -1, -3, -5 lands exactly on .5.
        XCTAssertEqual([1, 3, 5, -1, -3, -5, 4, -4, 0].map { half.scale($0) }, [1, 2, 3, -1, -2, -3, 2, -2, 0])
    }

    func testTiesRoundHalfToEven() {
        XCTAssertEqual([1, 3, 5, -1, -3, -5, 7, -7].map { halfEven.scale($0) }, [0, 2, 2, 0, -2, -2, 4, -4])
    }

    func testNonTiesRoundToNearest() {
        // factor 0.75 = 1.5 · 2^-1: multiplier 3 · 2^29, shift 31.
        let r = Requantizer(factor: 0.75)
        XCTAssertEqual(r.multiplier, 3 << 29)
        XCTAssertEqual(r.shift, 31)
        // 0.75, 1.5, 2.25, -2.25, -3.75 -> 1, 2, 2, -2, -4
        XCTAssertEqual([1, 2, 3, -3, -5].map { r.scale($0) }, [1, 2, 2, -2, -4])
    }

    func testDerivedMultiplierAndShift() {
        let a = Requantizer(factor: 0.5)
        XCTAssertEqual(a.multiplier, 1 << 30)
        XCTAssertEqual(a.shift, 31)
        let b = Requantizer(factor: 1)
        XCTAssertEqual(b.multiplier, 1 << 30)
        XCTAssertEqual(b.shift, 30)
        XCTAssertEqual(b.scale(-12345), -12345)
        // A mantissa that rounds up to 2^31 carries into the exponent.
        let c = Requantizer(factor: 2 - 1e-12)
        XCTAssertEqual(c.multiplier, 1 << 30)
        XCTAssertEqual(c.shift, 29)
        XCTAssertEqual(Requantizer(factor: 0).multiplier, 0)
        XCTAssertEqual(Requantizer(factor: 0).scale(1000), 0)
        // Typical conv factors: multiplier always in [2^30, 2^31), factor reproduced to 31 bits.
        var rng = HybridRandom(seed: 7)
        for _ in 0..<1000 {
            let f = Double(rng.float(0, 1)) * pow(10, Double(rng.int(-6...2)))
            guard f > 0 else { continue }
            let r = Requantizer(factor: f)
            XCTAssertGreaterThanOrEqual(r.multiplier, 1 << 30)
            XCTAssertLessThan(Int64(r.multiplier), Int64(1) << 31)
            XCTAssertEqual(r.effectiveFactor, f, accuracy: f * 1e-9)
        }
    }

    func testMatchesExactRoundingOfTheFixedPointProduct() {
        // For |x| < 2^20 the product x · multiplier is exact in a Double, so the reference is exact too.
        var rng = HybridRandom(seed: 11)
        for _ in 0..<2000 {
            let r = Requantizer(factor: Double(rng.float(0.0001, 3)), rounding: rng.int(0...1) == 0 ? .halfAwayFromZero : .halfToEven)
            let x = Int32(rng.int(-(1 << 20)...(1 << 20)))
            let exact = Double(x) * Double(r.multiplier) / pow(2, Double(r.shift))
            let want = exact.rounded(r.rounding == .halfAwayFromZero ? .toNearestOrAwayFromZero : .toNearestOrEven)
            XCTAssertEqual(Double(r.scale(x)), want, "x \(x), multiplier \(r.multiplier), shift \(r.shift)")
        }
    }

    func testSaturationAtBothEnds() {
        // A factor ≥ 2^31 shifts left and saturates instead of overflowing.
        let big = Requantizer(factor: 4_294_967_296)
        XCTAssertLessThanOrEqual(big.shift, 0)
        XCTAssertEqual(big.scale(2), Int32.max)
        XCTAssertEqual(big.scale(-2), Int32.min)
        XCTAssertEqual(big.scale(0), 0)
        let one = Requantizer(factor: 1)
        XCTAssertEqual(one.scale(Int32.max), Int32.max)
        XCTAssertEqual(one.scale(Int32.min), Int32.min)
        // Output saturation to the int8 / uint8 levels.
        XCTAssertEqual(one.apply(500, zeroPoint: 0, lo: -127, hi: 127), 127)
        XCTAssertEqual(one.apply(-500, zeroPoint: 0, lo: -127, hi: 127), -127)
        XCTAssertEqual(one.apply(Int32.max, zeroPoint: 100, lo: 0, hi: 255), 255)
        XCTAssertEqual(one.apply(Int32.min, zeroPoint: 100, lo: 0, hi: 255), 0)
    }

    func testZeroPoints() {
        // uint8 output with zero point 128: 5 · 0.5 = 2.5 -> 3 (away from zero) + 128.
        XCTAssertEqual(half.apply(5, zeroPoint: 128, lo: 0, hi: 255), 131)
        XCTAssertEqual(half.apply(-5, zeroPoint: 128, lo: 0, hi: 255), 125)
        XCTAssertEqual(halfEven.apply(-5, zeroPoint: 128, lo: 0, hi: 255), 126)
        // Rounding happens before the zero point is added: -2.5 -> -3 even though -3 + 128 is odd.
        XCTAssertEqual(half.apply(-5, zeroPoint: 3, lo: 0, hi: 255), 0)
        // A fused Relu clamps at the zero point.
        XCTAssertEqual(half.apply(-200, zeroPoint: 40, lo: 40, hi: 255), 40)
    }

    func testRoundedDivide() {
        XCTAssertEqual([5, 7, -5, -7, 6, -6].map { roundedDivide($0, 2, .halfAwayFromZero) }, [3, 4, -3, -4, 3, -3])
        XCTAssertEqual([5, 7, -5, -7].map { roundedDivide($0, 2, .halfToEven) }, [2, 4, -2, -4])
        XCTAssertEqual(roundedDivide(10, 4, .halfAwayFromZero), 3)
        XCTAssertEqual(roundedDivide(-11, 4, .halfAwayFromZero), -3)
    }

    func testQuantizeRequantizeRoundTrip() throws {
        let p = QuantParams(scale: 0.1, zeroPoint: 10, qmin: 0, qmax: 255)
        let q = try QTensor.quantize(Tensor(shape: [4], floats: [-1, 0, 1.04, 100]), p)
        XCTAssertEqual(q.levels, [0, 10, 20, 255])
        let r = q.requantized(to: QuantParams(scale: 0.2, zeroPoint: 0, qmin: -127, qmax: 127), rounding: .halfAwayFromZero)
        // (0-10)·0.5 = -5, 0, 10·0.5 = 5, 245·0.5 = 122.5 -> 123
        XCTAssertEqual(r.levels, [-5, 0, 5, 123])
    }
}

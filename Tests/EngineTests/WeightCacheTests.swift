import XCTest
@testable import Engine

/// The weight cache returns what a fresh per-channel quantization gives, and never another buffer's weights.
final class WeightCacheTests: XCTestCase {
    func weight(_ rng: inout CalibRNG, scale: Double) -> Tensor {
        Tensor(shape: [4, 3, 2, 2], floats: (0..<48).map { _ in Float(rng.gaussian() * scale) })
    }

    func testCachedWeightsEqualFreshOnesAndFollowTheBuffer() throws {
        var rng = CalibRNG(seed: 3)
        let cache = WeightCache()
        let w = weight(&rng, scale: 1)
        let fresh = try WeightQuantizer.perChannelSymmetric(w, axis: 0)
        for _ in 0..<2 {   // the second call is served from the cache
            let got = try cache.perChannel("w", w, axis: 0)
            XCTAssertEqual(try got.dequantized.floats(), try fresh.dequantized().floats())
            XCTAssertEqual(got.scales, fresh.scales)
        }
        // Same name, other values (another model): quantized anew.
        let other = weight(&rng, scale: 5)
        let got = try cache.perChannel("w", other, axis: 0)
        XCTAssertEqual(try got.dequantized.floats(), try WeightQuantizer.perChannelSymmetric(other, axis: 0).dequantized().floats())
        // Same weight, other axis: quantized anew.
        XCTAssertEqual(try cache.perChannel("w", other, axis: 1).scales,
                       try WeightQuantizer.perChannelSymmetric(other, axis: 1).scales)
    }
}

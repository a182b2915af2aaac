@testable import Engine
import XCTest

/// The prefix-sum KL search must pick the same threshold as the plain candidate-by-candidate definition.
final class KLFastPathTests: XCTestCase {
    /// TensorRT's definition, written directly: build P and Q for every candidate.
    func naiveDivergences(_ counts: [UInt64], levels: Int) -> [Int: Double] {
        let n = counts.count
        let r = counts.map { Double($0) }
        var all: [Int: Double] = [:]
        for i in levels...n {
            var p = Array(r[0..<i])
            p[i - 1] += r[i...].reduce(0, +)
            var q = [Double](repeating: 0, count: i)
            let width = i / levels
            for g in 0..<levels {
                let start = g * width, end = g == levels - 1 ? i : start + width
                let sum = r[start..<end].reduce(0, +)
                let filled = p[start..<end].filter { $0 > 0 }.count
                for k in start..<end { q[k] = p[k] > 0 && filled > 0 ? sum / Double(filled) : 0 }
            }
            all[i] = KLCalibration.divergence(p, q)
        }
        return all
    }

    func testMatchesTheDirectDefinitionOnRandomHistograms() {
        var seeded = SplitMix(seed: 42)
        for trial in 0..<12 {
            let bins = 256 + 64 * (trial % 4)
            var counts = [UInt64](repeating: 0, count: bins)
            // A decaying bulk, empty stretches and a few outliers, as activation histograms look.
            for k in 0..<bins {
                let bulk = 10000.0 * exp(-Double(k) / Double(8 + trial * 5))
                counts[k] = UInt64(bulk) + (seeded.next() % 7 == 0 ? 0 : seeded.next() % 3)
                if k % 17 == 5 { counts[k] = 0 }
            }
            counts[bins - 1] = UInt64(trial)
            // The pick must lose no more information than the best candidate (up to rounding: near-ties may
            // resolve to a neighbour).
            let d = naiveDivergences(counts, levels: 32)
            let best = d.values.min()!
            let picked = KLCalibration.bestBinCount(counts, levels: 32)
            XCTAssertEqual(d[picked]!, best, accuracy: 1e-9 * best, "trial \(trial): picked \(picked)")
        }
    }
}

/// A tiny deterministic generator for tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

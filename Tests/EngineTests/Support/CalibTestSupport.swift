import Foundation
import XCTest
@testable import Engine

/// The committed fixtures in Tests/Fixtures.
enum CalibFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

/// A deterministic generator (SplitMix64) for reproducible test data.
struct CalibRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    /// Standard normal (Box-Muller).
    mutating func gaussian() -> Double {
        let u1 = max(uniform(), 1e-300), u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

/// A fresh empty temporary directory, removed when the test ends.
func calibTempDirectory(_ test: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-calib-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir.path
}

/// The message of a thrown error (QScopeError's description), or fails the test when nothing was thrown.
func calibErrorMessage(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
        try body()
        XCTFail("expected an error", file: file, line: line)
        return ""
    } catch {
        return "\(error)"
    }
}

/// The plain symmetric MSE search the fast ones are checked against: every candidate threshold with the
/// reference error `MSECalibration.error`, the first minimum kept (`fallback` when there is none).
func plainMSESearch(_ bins: [MSECalibration.Bin], candidates: [Double], qmax: Double, fallback: Double)
    -> (threshold: Double, error: Double, errors: [Double: Double])
{
    var best = fallback, bestError = Double.infinity
    var all: [Double: Double] = [:]
    for t in candidates {
        let e = MSECalibration.error(bins, step: t / qmax, low: -t, high: t)
        all[t] = e
        if e < bestError { bestError = e; best = t }
    }
    return (best, bestError, all)
}

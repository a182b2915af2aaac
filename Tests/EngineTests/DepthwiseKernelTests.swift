import XCTest
@testable import Engine

/// The two float depthwise kernels, called directly (whichever `Conv` would choose), against the direct-loop
/// reference: channel counts that leave a partial block of eight, strides 1 to 3, dilations, asymmetric
/// pads, widths with and without a tail of fewer than eight pixels, a batch of two and a fused clamp.
final class DepthwiseKernelTests: XCTestCase {
    struct Case {
        var x: [Int]          // [N, C, H, W]
        var kernel: [Int]     // [KH, KW]
        var strides = [1, 1]
        var dilations = [1, 1]
        var pads = [0, 0, 0, 0]
        var clamp: FloatClamp?
    }

    let cases: [Case] = [
        Case(x: [1, 8, 6, 8], kernel: [3, 3], pads: [1, 1, 1, 1]),                       // one full block, one tile
        Case(x: [2, 13, 9, 21], kernel: [3, 3], pads: [1, 1, 1, 1], clamp: .relu),        // partial block, tails
        Case(x: [1, 3, 14, 14], kernel: [5, 5], pads: [2, 2, 2, 2]),                      // fewer channels than lanes
        Case(x: [1, 16, 17, 37], kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1]),
        Case(x: [1, 9, 16, 40], kernel: [5, 5], strides: [2, 2], pads: [2, 2, 2, 2],
             clamp: FloatClamp(lower: -0.5, upper: 0.75)),
        Case(x: [1, 10, 15, 30], kernel: [3, 3], dilations: [2, 3], pads: [2, 3, 1, 0]),
        Case(x: [2, 7, 12, 29], kernel: [3, 3], strides: [3, 3], pads: [0, 1, 2, 2]),
        Case(x: [1, 11, 14, 45], kernel: [3, 3], strides: [2, 2], dilations: [2, 3], pads: [2, 3, 1, 2]),
        Case(x: [1, 8, 11, 26], kernel: [3, 3], strides: [2, 2]),                         // trailing input unread
        Case(x: [1, 24, 7, 70], kernel: [3, 2], strides: [1, 3], pads: [1, 0, 1, 1]),     // wide rows, 3x2 kernel
        Case(x: [1, 5, 1, 1], kernel: [3, 3], pads: [1, 1, 1, 1]),                        // one pixel
        // Rows of 45 and 70: the sixteen-wide vectors of the plane-at-a-time kernel, then its tails.
        Case(x: [1, 3, 9, 45], kernel: [3, 3], pads: [1, 1, 1, 1], clamp: .relu),
        Case(x: [2, 2, 6, 70], kernel: [3, 3], dilations: [1, 2], pads: [1, 2, 1, 2]),
    ]

    func testBothKernelsMatchTheReference() throws {
        var rng = ConvSupport.Random(seed: 91)
        for (i, c) in cases.enumerated() {
            let channels = c.x[1]
            let x = rng.tensor(c.x), w = rng.tensor([channels, 1] + c.kernel), b = rng.tensor([channels])
            var expected = ConvolutionTests.naiveConv(x, w, b, group: channels, strides: c.strides,
                                                      dilations: c.dilations, pads: c.pads)
            if let clamp = c.clamp {
                expected = Tensor(shape: expected.shape, floats: expected.asFloats().map { clamp.apply($0) })
            }
            var attributes = try WindowAttributes(Node(name: "n", opType: "Conv", inputs: [], outputs: []))
            (attributes.strides, attributes.dilations, attributes.pads) = (c.strides, c.dilations, c.pads)
            let g = try WindowGeometry.forward(input: Array(c.x[2...]), kernel: c.kernel, attributes: attributes)
            XCTAssertTrue(DepthwiseChannelBlocked.supports(g, multiplier: 1))
            for blocked in [true, false] {
                var out = [Float](repeating: .nan, count: expected.asFloats().count)
                x.asFloats().withUnsafeBufferPointer { xp in
                    w.asFloats().withUnsafeBufferPointer { wp in
                        b.asFloats().withUnsafeBufferPointer { bp in
                            out.withUnsafeMutableBufferPointer { op in
                                if blocked {
                                    DepthwiseChannelBlocked.run(input: xp.baseAddress!, weights: wp.baseAddress!,
                                                                bias: bp.baseAddress!, output: op.baseAddress!,
                                                                batch: c.x[0], channels: channels, geometry: g,
                                                                clamp: c.clamp)
                                } else {
                                    DepthwiseConv2D.run(input: xp.baseAddress!, weights: wp.baseAddress!,
                                                        bias: bp.baseAddress!, output: op.baseAddress!, batch: c.x[0],
                                                        channels: channels, multiplier: 1, geometry: g, clamp: c.clamp)
                                }
                            }
                        }
                    }
                }
                ConvSupport.assertClose(Tensor(shape: expected.shape, floats: out), expected,
                                        "case \(i) \(blocked ? "channel-blocked" : "plane-at-a-time")")
            }
        }
    }

    func testTransposeOfEightRows() {
        let rows = (0..<8).map { r in SIMD8<Float>((0..<8).map { Float(r * 8 + $0) }) }
        let t = Transpose8x8.apply((rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], rows[7]))
        let columns = [t.0, t.1, t.2, t.3, t.4, t.5, t.6, t.7]
        for c in 0..<8 {
            XCTAssertEqual(Array(0..<8).map { columns[c][$0] }, (0..<8).map { Float($0 * 8 + c) }, "column \(c)")
        }
    }
}

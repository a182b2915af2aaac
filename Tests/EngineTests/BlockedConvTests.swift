import XCTest
@testable import Engine

/// Plain runs pass channel-blocked tensors along chains of depthwise and pointwise convolutions. Their
/// outputs must match an observed run (which keeps every tensor in NCHW and uses the usual kernels, checked
/// against the naive convolution in ConvolutionTests), and the chains must actually be blocked.
final class BlockedConvTests: XCTestCase {
    private final class Sink: ExecutionObserver {
        func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {}
    }

    private struct Layer {
        var input: String
        var output: String
        var weight: [Int]
        var group = 1
        var strides = [1, 1]
        var dilations = [1, 1]
        var pads = [0, 0, 0, 0]
        var relu = false
    }

    /// Builds the layers (plus any extra nodes), runs plain and observed, compares every graph output and
    /// returns the executor's number of blocked steps.
    @discardableResult
    private func check(x: [Int], _ layers: [Layer], extra: [Node] = [], outputs: [String], seed: UInt64,
                       file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        var rng = ConvSupport.Random(seed: seed)
        var nodes: [Node] = []
        var initializers: [String: Tensor] = [:]
        for (i, l) in layers.enumerated() {
            initializers["w\(i)"] = rng.tensor(l.weight)
            initializers["b\(i)"] = rng.tensor([l.weight[0]])
            let convOut = l.relu ? "\(l.output)_pre" : l.output
            nodes.append(Node(name: "conv\(i)", opType: "Conv", inputs: [l.input, "w\(i)", "b\(i)"], outputs: [convOut],
                              attributes: ["group": .int(l.group), "strides": .ints(l.strides),
                                           "dilations": .ints(l.dilations), "pads": .ints(l.pads)]))
            if l.relu {
                nodes.append(Node(name: "relu\(i)", opType: "Relu", inputs: [convOut], outputs: [l.output], attributes: [:]))
            }
        }
        let graph = Graph(name: "g", nodes: nodes + extra, initializers: initializers,
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: nil)],
                          outputs: outputs.map { ValueInfo(name: $0, elementType: 1, dims: nil) })
        let executor = try Executor(model: Model(graph: graph, opsets: ["": 13]))
        let xt = rng.tensor(x)
        let plain = try executor.run(["x": xt])
        let observed = try executor.run(["x": xt], observer: Sink())
        for name in outputs {
            ConvSupport.assertClose(plain[name]!, observed[name]!, "output \(name)", file: file, line: line)
        }
        return executor.blockedStepCount
    }

    private func dw(_ input: String, _ output: String, channels c: Int, kernel k: Int = 3, stride s: Int = 1,
                    dilation d: Int = 1, pads: [Int]? = nil, relu: Bool = true) -> Layer {
        let p = pads ?? Array(repeating: d * (k - 1) / 2, count: 4)
        return Layer(input: input, output: output, weight: [c, 1, k, k], group: c, strides: [s, s], dilations: [d, d],
                     pads: p, relu: relu)
    }

    private func pw(_ input: String, _ output: String, _ c: Int, _ m: Int, relu: Bool = true) -> Layer {
        Layer(input: input, output: output, weight: [m, c, 1, 1], relu: relu)
    }

    func testDepthwisePointwiseChainsOfManyGeometries() throws {
        // Channel counts below, at and past one block; rows narrower than the eight-pixel tile and wide ones;
        // strides 1-3, dilation, a 5x5 kernel and asymmetric pads.
        let cases: [(x: [Int], layers: [Layer])] = [
            ([1, 16, 20, 37], [dw("x", "a", channels: 16), pw("a", "b", 16, 32), dw("b", "y", channels: 32, stride: 2)]),
            ([1, 3, 9, 5], [dw("x", "a", channels: 3), pw("a", "y", 3, 5, relu: false)]),
            ([2, 20, 11, 19], [pw("x", "a", 20, 40), dw("a", "b", channels: 40, kernel: 5, pads: [2, 1, 0, 2]),
                               pw("b", "y", 40, 7)]),
            ([1, 24, 17, 23], [dw("x", "a", channels: 24, stride: 3, pads: [1, 0, 1, 2]),
                               dw("a", "b", channels: 24, dilation: 2), pw("b", "y", 24, 17)]),
            ([1, 33, 4, 4], [pw("x", "a", 33, 48), dw("a", "b", channels: 48, kernel: 3, pads: [0, 0, 0, 0]),
                             pw("b", "y", 48, 16, relu: false)]),
            // Windows wider than the input (every pixel a border pixel) and a 1x1 output.
            ([1, 20, 3, 4], [dw("x", "a", channels: 20, kernel: 5, stride: 2, dilation: 2, pads: [4, 4, 4, 4]),
                             pw("a", "b", 20, 20), dw("b", "y", channels: 20, kernel: 2, stride: 3, pads: [0, 0, 0, 0])]),
        ]
        for (i, c) in cases.enumerated() {
            let blocked = try check(x: c.x, c.layers, outputs: ["y"], seed: 100 + UInt64(i))
            XCTAssertEqual(blocked, c.layers.count, "case \(i): every layer of the chain runs blocked")
        }
    }

    func testBranchesAndNonConvolutionReaders() throws {
        // 'a' feeds two depthwise layers: it stays blocked. 'b' is also read by an Add: it is NCHW, so its
        // producer unpacks and the depthwise layer reading it packs.
        let layers = [pw("x", "a", 8, 24), dw("a", "b", channels: 24), dw("a", "c", channels: 24, stride: 2),
                      dw("b", "d", channels: 24, stride: 2), pw("c", "e", 24, 24), pw("d", "f", 24, 24)]
        let add = Node(name: "add", opType: "Add", inputs: ["e", "f"], outputs: ["y"], attributes: [:])
        let twice = Node(name: "twice", opType: "Add", inputs: ["b", "b"], outputs: ["z"], attributes: [:])
        let blocked = try check(x: [1, 8, 14, 22], layers, extra: [add, twice], outputs: ["y", "z"], seed: 120)
        XCTAssertEqual(blocked, 6)
    }

    func testLoneConvolutionsAndGraphOutputsStayNCHW() throws {
        // A single depthwise layer gains nothing from packing both ways; 'a' is a graph output, so the chain
        // is cut there and neither layer has a blocked neighbour.
        XCTAssertEqual(try check(x: [1, 16, 12, 12], [dw("x", "y", channels: 16)], outputs: ["y"], seed: 130), 0)
        XCTAssertEqual(try check(x: [1, 16, 12, 12], [dw("x", "a", channels: 16), pw("a", "y", 16, 16)],
                                 outputs: ["a", "y"], seed: 131), 0)
    }

    func testInputsWithoutPixels() throws {
        // No rows: with enough padding the depthwise output still has pixels (all bias); with less, the window
        // does not fit, which is an error, not a trap.
        try check(x: [1, 16, 0, 5], [dw("x", "a", channels: 16, kernel: 3, pads: [2, 1, 2, 1]), pw("a", "y", 16, 8)],
                  outputs: ["y"], seed: 135)
        XCTAssertThrowsError(try check(x: [1, 16, 0, 5], [dw("x", "a", channels: 16), pw("a", "y", 16, 8)],
                                       outputs: ["y"], seed: 136)) { XCTAssertTrue("\($0)".contains("does not fit"), "\($0)") }
    }

    func testNaNPassesThroughTheBlockedChain() throws {
        let x = Tensor(shape: [1, 2, 1, 9], floats: [.nan] + Array(repeating: 1, count: 17))
        let w0 = Tensor(shape: [2, 1, 1, 1], floats: [1, 1]), w1 = Tensor(shape: [2, 2, 1, 1], floats: [1, 0, 0, 1])
        let nodes = [Node(name: "dw", opType: "Conv", inputs: ["x", "w0"], outputs: ["a"], attributes: ["group": .int(2)]),
                     Node(name: "pw", opType: "Conv", inputs: ["a", "w1"], outputs: ["y"], attributes: [:])]
        let graph = Graph(name: "g", nodes: nodes, initializers: ["w0": w0, "w1": w1],
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: nil)],
                          outputs: [ValueInfo(name: "y", elementType: 1, dims: nil)])
        let executor = try Executor(model: Model(graph: graph, opsets: ["": 13]))
        XCTAssertEqual(executor.blockedStepCount, 2)
        let y = try executor.run(["x": x])["y"]!.asFloats()
        // Pixel 0 is NaN in both output channels (0 * NaN is NaN); every other pixel is 1.
        XCTAssertTrue(y[0].isNaN && y[9].isNaN, "\(y)")
        XCTAssertEqual(y.enumerated().filter { $0.offset % 9 != 0 }.map(\.element), Array(repeating: 1, count: 16))
    }

    func testWrongChannelCountIsAnError() throws {
        let layers = [dw("x", "a", channels: 16), pw("a", "y", 16, 8)]
        XCTAssertThrowsError(try check(x: [1, 12, 5, 5], layers, outputs: ["y"], seed: 140)) { error in
            XCTAssertTrue("\(error)".contains("conv0"), "\(error)")
        }
    }

    func testPackAndUnpackRoundTrip() throws {
        var rng = ConvSupport.Random(seed: 150)
        for (channels, pixels) in [(20, 13), (8, 8), (3, 17), (16, 40), (35, 1)] {
            let values = rng.tensor([2, channels, pixels]).asFloats()
            let lanes = BlockedLayout.lanes
            var blocked = [Float](repeating: .nan, count: 2 * BlockedLayout.blocks(channels) * pixels * lanes)
            var back = [Float](repeating: .nan, count: values.count)
            values.withUnsafeBufferPointer { src in
                blocked.withUnsafeMutableBufferPointer { b in
                    BlockedLayout.pack(src.baseAddress!, into: b.baseAddress!, batch: 2, channels: channels, pixels: pixels)
                    back.withUnsafeMutableBufferPointer { out in
                        BlockedLayout.unpack(UnsafePointer(b.baseAddress!), into: out.baseAddress!, batch: 2,
                                             channels: channels, pixels: pixels)
                    }
                }
            }
            XCTAssertEqual(back, values, "\(channels) channels x \(pixels) pixels")
            // Pixel p of channel c sits at block c / lanes, lane c % lanes; padded lanes are zero.
            let blocks = BlockedLayout.blocks(channels)
            for c in 0..<(blocks * lanes) {
                for p in [0, pixels - 1] {
                    let got = blocked[((c / lanes) * pixels + p) * lanes + c % lanes]
                    XCTAssertEqual(got, c < channels ? values[c * pixels + p] : 0, "channel \(c) pixel \(p)")
                }
            }
        }
    }
}

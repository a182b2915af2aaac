import Dispatch
import XCTest
@testable import Engine

/// Convolutions repack their weights on their first run, so that a run keeps packed copies only for the plan
/// it takes (plain: channel-blocked; observed: NCHW kernels), and the results stay those of the usual kernels.
final class PackedOnFirstUseTests: XCTestCase {
    private final class Sink: ExecutionObserver {
        func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {}
    }

    func testBuildsOnceOnFirstUseEvenWithConcurrentCallers() {
        let builds = Counter()
        let cell = PackedOnFirstUse { builds.increment(); return [Float](repeating: 2, count: 1000) }
        XCTAssertFalse(cell.isBuilt)
        XCTAssertEqual(builds.value, 0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in XCTAssertEqual(cell.get.count, 1000) }
        XCTAssertTrue(cell.isBuilt)
        XCTAssertEqual(builds.value, 1)
    }

    /// A dense 3x3 layer (DirectConv2D) feeding a depthwise/pointwise chain (blocked in plain runs).
    func testEachPlanPacksOnlyWhatItRuns() throws {
        var rng = ConvSupport.Random(seed: 7)
        let layers: [(String, String, [Int], Int, [Int])] = [
            ("x", "a", [16, 3, 3, 3], 1, [1, 1, 1, 1]),
            ("a", "b", [16, 1, 3, 3], 16, [1, 1, 1, 1]),
            ("b", "y", [24, 16, 1, 1], 1, [0, 0, 0, 0]),
        ]
        var nodes: [Node] = []
        var initializers: [String: Tensor] = [:]
        for (i, (input, output, weight, group, pads)) in layers.enumerated() {
            initializers["w\(i)"] = rng.tensor(weight)
            initializers["b\(i)"] = rng.tensor([weight[0]])
            nodes.append(Node(name: "conv\(i)", opType: "Conv", inputs: [input, "w\(i)", "b\(i)"], outputs: [output],
                              attributes: ["group": .int(group), "pads": .ints(pads)]))
        }
        let graph = Graph(name: "g", nodes: nodes, initializers: initializers,
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: nil)],
                          outputs: [ValueInfo(name: "y", elementType: 1, dims: nil)])
        let executor = try Executor(model: Model(graph: graph, opsets: ["": 13]))
        XCTAssertEqual(executor.blockedStepCount, 2)
        let (observed, plain) = executor.operators
        let direct = observed.compactMap { ($0 as? ConvOp)?.packedWeight }
        let blocked = plain.compactMap { ($0 as? BlockedConvOp)?.weights }
        XCTAssertEqual(direct.count, 2, "the dense and the pointwise layer take DirectConv2D in NCHW")
        XCTAssertEqual(blocked.count, 2)
        XCTAssertFalse(direct.contains { $0.isBuilt } || blocked.contains { $0.isBuilt }, "nothing packed before a run")

        let x = rng.tensor([1, 3, 12, 10])
        let plainOut = try executor.run(["x": x])
        XCTAssertTrue(blocked.allSatisfy { $0.isBuilt })
        // The plain plan still runs the dense layer's own ConvOp, not the pointwise one's.
        XCTAssertEqual(direct.map(\.isBuilt), [true, false])

        let observedOut = try executor.run(["x": x], observer: Sink())
        XCTAssertEqual(direct.map(\.isBuilt), [true, true])
        ConvSupport.assertClose(plainOut["y"]!, observedOut["y"]!, "output y")
    }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func increment() { lock.lock(); count += 1; lock.unlock() }
}

import ArgumentParser
import Diff
import Engine
import Foundation
import TUI

/// `qscope bench-render` (hidden, used by `make bench`): how long the TUI takes to react to a key and draw a frame
/// on a large graph. It generates a residual network of `--nodes` nodes, analyses it for real on synthetic
/// samples, fills the screen's state through the same bridge as `qscope open`, then times `update` + `render` for a
/// scripted walk over the layers (moves, paging, sorting, filtering, following the graph, the detail pane, help).
struct BenchRenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-render",
        abstract: "Time TUI frames on a generated large model (a benchmark).",
        shouldDisplay: false)

    @Option(help: "Nodes in the generated model (a multiple of 4).")
    var nodes = 2000

    @Option(help: "Screen sizes to draw, e.g. 120x40.")
    var size: [String] = ["80x24", "120x40", "200x60"]

    @Option(help: "Times the scripted walk is repeated per size.")
    var rounds = 5

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        try reportingFailures {
            let blocks = max(1, nodes / 4)
            let model = try Self.residualModel(blocks: blocks)
            let state = try Self.analysedState(model)
            var results: [[String: Any]] = []
            for s in size {
                let dims = s.split(separator: "x").compactMap { Int($0) }
                guard dims.count == 2, dims[0] > 0, dims[1] > 0 else {
                    throw QScopeError.usage("--size '\(s)' is not WIDTHxHEIGHT")
                }
                let timed = Self.timeWalk(state, width: dims[0], height: dims[1], rounds: rounds)
                let times = timed.map(\.seconds)
                let sorted = times.sorted()
                let slowest = timed.max { $0.seconds < $1.seconds }!
                let median = sorted[sorted.count / 2], p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
                results.append(["size": s, "frames": times.count, "median_ms": median * 1000, "p99_ms": p99 * 1000,
                                "max_ms": sorted.last! * 1000,
                                "slowest_key": "\(slowest.key)"])
            }
            if json {
                let doc: [String: Any] = ["nodes": model.graph.nodes.count, "frames": results]
                let data = try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("TUI frames on a generated model with \(model.graph.nodes.count) nodes (update + render per key):")
                for r in results {
                    print(String(format: "  %@: %d frames, median %.3f ms, p99 %.3f ms, max %.3f ms (key %@)", r["size"] as! String,
                                 r["frames"] as! Int, r["median_ms"] as! Double, r["p99_ms"] as! Double, r["max_ms"] as! Double,
                                 r["slowest_key"] as! String))
                }
            }
        }
    }

    /// Each block is Conv 3x3 -> Relu -> Conv 1x1 -> Add(block input): branches and merges, like a ResNet.
    static func residualModel(blocks: Int, channels: Int = 4, side: Int = 6) throws -> Model {
        var nodes: [Node] = []
        var initializers: [String: Tensor] = [:]
        var seed: UInt64 = 42
        func weight(_ shape: [Int]) throws -> Tensor {
            seed += 1
            let u = try SyntheticInput.make(shape: shape, dtype: .float, seed: seed).floats()
            return Tensor(shape: shape, floats: u.map { ($0 - 0.5) * 0.6 })
        }
        var x = "input"
        for b in 0..<blocks {
            let p = "block\(b)"
            initializers["\(p).w1"] = try weight([channels, channels, 3, 3])
            initializers["\(p).w2"] = try weight([channels, channels, 1, 1])
            nodes.append(Node(name: "\(p).conv1", opType: "Conv", inputs: [x, "\(p).w1"], outputs: ["\(p).c1"],
                              attributes: ["pads": .ints([1, 1, 1, 1])]))
            nodes.append(Node(name: "\(p).relu", opType: "Relu", inputs: ["\(p).c1"], outputs: ["\(p).r"]))
            nodes.append(Node(name: "\(p).conv2", opType: "Conv", inputs: ["\(p).r", "\(p).w2"], outputs: ["\(p).c2"]))
            nodes.append(Node(name: "\(p).add", opType: "Add", inputs: [x, "\(p).c2"], outputs: ["\(p).out"]))
            x = "\(p).out"
        }
        let dims: [Engine.Dimension] = [1, channels, side, side].map { .fixed($0) }
        let graph = Graph(name: "residual", nodes: nodes, initializers: initializers,
                          inputs: [ValueInfo(name: "input", elementType: 1, dims: dims)],
                          outputs: [ValueInfo(name: x, elementType: 1, dims: dims)])
        return Model(graph: graph, opsets: ["": 17])
    }

    /// Calibrates and evaluates the model on synthetic samples and fills the TUI state as `qscope open` does.
    static func analysedState(_ model: Model) throws -> AppState {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let shape = (model.graph.inputs[0].dims ?? []).compactMap { d -> Int? in
            if case .fixed(let n) = d { return n } else { return nil }
        }
        for i in 0..<4 {
            let t = try SyntheticInput.make(shape: shape, dtype: .float, seed: UInt64(11 + i))
            try Npy.write(t, to: dir.appendingPathComponent("s\(i).npy").path)
        }
        var config = AnalysisConfig()
        config.calDataDir = dir.path
        config.evalSamples = 2
        let data = try AnalysisData.open(model: model, config: config)
        let analyzer = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation,
                                         sharedSamples: data.sharedSamples)
        let evaluation = try analyzer.evaluate(config.quantization)
        let report = try ReportBuilder.build(analyzer: analyzer, evaluation: evaluation, config: config, modelPath: "residual.onnx")
        var shapes: [String: [Int]] = [:]
        for (name, t) in analyzer.floatActivations.first ?? [:] { shapes[name] = t.shape }
        let base = try LayerInfoBuilder.build(model: model, shapes: shapes)
        let layers = TUIBridge.layers(base, analyzer: analyzer, evaluation: evaluation, report: report)
        var session = TUIApp.defaultSession(model)
        session.calibrationSamples = analyzer.calibrationSamples
        session.evalSamples = analyzer.evalFeeds.count
        return AppState(session: session, layers: layers,
                        stages: [.float: .ready, .optimized: .ready, .quantized: .ready, .hybrid: .ready])
    }

    /// The keys a user walking a long model presses; each is timed with the frame it causes.
    static let walk: [Key] = [.down, .down, .pageDown, .pageDown, .char("G"), .char("g"), .char("n"), .char("n"),
                              .char("N"), .enter, .left, .char("s"), .pageDown, .char("s"), .char("f"), .down,
                              .char("f"), .tab, .down, .down, .tab, .char("2"), .char("3"), .char("1"),
                              .char("?"), .pageDown, .escape, .end, .home]

    static func timeWalk(_ initial: AppState, width: Int, height: Int, rounds: Int) -> [(key: Key, seconds: Double)] {
        var times: [(key: Key, seconds: Double)] = []
        var checksum = 0
        for _ in 0..<max(1, rounds) {
            var (state, _) = update(initial, .resize(width: width, height: height))
            for key in walk {
                let t0 = MonotonicClock.seconds()
                state = update(state, .key(key)).0
                let grid = render(state)
                times.append((key, MonotonicClock.seconds() - t0))
                checksum &+= grid.width
            }
        }
        // Keeps the optimiser from discarding the frames.
        if checksum == Int.min { print(checksum) }
        return times
    }
}

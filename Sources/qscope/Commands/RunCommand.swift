import ArgumentParser
import Diff
import Engine
import Foundation

/// `qscope run`: the float reference run of a model, with output statistics, top-5 and timing.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a model in float and print its outputs.",
        discussion: """
            Inputs come from .npy or .pb (ONNX TensorProto) files. An input without a file gets deterministic \
            pseudo-random values of its declared shape (or the --shape given), which is enough for timing.
            """
    )

    @Argument(help: "The ONNX model file.")
    var model: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input file: NAME=FILE, or FILE for a one-input model.", valueName: "NAME=FILE"))
    var inputs: [String] = []

    @Option(name: .customLong("shape"), help: ArgumentHelp("A concrete shape for an input with dynamic dimensions.", valueName: "NAME=DIMS"))
    var shapes: [String] = []

    @Option(name: .customLong("output-dir"), help: "Write one .npy per output and manifest.json here.")
    var outputDir: String?

    @Option(help: "Timed runs after one warm-up run; the median is reported.")
    var `repeat`: Int = 0

    @Option(help: "A text file of class labels, one per line, for the top-5.")
    var labels: String?

    @Flag(name: .customLong("capture-all"), help: "Keep every intermediate tensor of each run, as an analysis does.")
    var captureAll = false

    @Flag(help: "Print the time per operator type and the slowest nodes of the timed runs on stderr.")
    var profile = false

    @Flag(help: "Print one JSON object on stdout instead of text.")
    var json = false

    @Option(help: ArgumentHelp("The stage to run: float (default), quantized (fake-quant) or hybrid (integer accelerator simulation). quantized and hybrid are calibrated (max) on the run's own input, which is enough for timing them.", valueName: "STAGE"))
    var stage: String = "float"

    func run() throws {
        try reportingFailures {
            guard self.repeat >= 0 else { throw QScopeError.usage("--repeat must be 0 or more") }
            let loaded = try ModelLoader.load(path: model)
            let executor = try Executor(model: loaded)
            let (feeds, synthesized) = try InputArguments.load(model: loaded, inputs: inputs, shapes: shapes)
            for name in synthesized {
                warn("input '\(name)' has no file; using deterministic pseudo-random values of shape \(feeds[name]!.shape)")
            }
            let runOnce = try stageRunner(stage, model: loaded, executor: executor, feeds: feeds)
            var outputs = try runOnce(captureAll ? TensorRecorder() : nil)
            var times: [Double] = []
            let profiler = profile ? NodeProfiler() : nil
            for _ in 0..<self.repeat {
                let recorder = captureAll ? TensorRecorder() : nil
                let observer: ExecutionObserver? = profiler.map { $0.forward = recorder; return $0 } ?? recorder
                let start = now()
                profiler?.start()
                outputs = try runOnce(observer)
                times.append(now() - start)
                profiler?.forward = nil
            }
            if let profiler { FileHandle.standardError.write(Data(profiler.report(runs: times.count).utf8)) }
            let medianMs = times.isEmpty ? nil : times.sorted()[times.count / 2] * 1000
            let labelNames = try labels.map { try String(decoding: FileIO.read($0), as: UTF8.self).split(separator: "\n").map(String.init) }
            let report = RunReport(model: loaded, outputs: outputs, medianMs: medianMs, runs: times.count,
                                   peakRSS: peakRSSMegabytes(), peakLiveBytes: executor.peakLiveBytes,
                                   labels: labelNames)
            if let dir = outputDir { try report.writeOutputs(to: dir) }
            print(json ? report.json() : report.text(), terminator: "")
        }
    }

    /// One run of the chosen stage on `feeds`. The quantized and hybrid stages are built as an analysis
    /// builds them (optimized graph, max calibration), with the run's input as the only calibration sample.
    private func stageRunner(_ stage: String, model: Model, executor: Executor, feeds: [String: Tensor]) throws
        -> (ExecutionObserver?) throws -> [String: Tensor]
    {
        switch stage.lowercased() {
        case "float":
            return { try executor.run(feeds, observer: $0) }
        case "quantized", "hybrid":
            let wantsHybrid = stage.lowercased() == "hybrid"
            let analyzer = try QuantAnalyzer(model: model, calibration: .inMemory([feeds]), evaluation: [feeds])
            let e = try analyzer.evaluate(QuantizationConfig(), isolated: false, hybrid: wantsHybrid)
            if !wantsHybrid { return { try e.stage.run(feeds, observer: $0) } }
            guard let hybrid = e.hybrid else {
                throw QScopeError.usage("the hybrid stage could not be built: \(e.hybridError ?? "unknown reason")")
            }
            return { try hybrid.run(feeds, observer: $0) }
        default:
            throw QScopeError.usage("--stage '\(stage)' is not one of float, quantized, hybrid")
        }
    }
}

import ArgumentParser
import Diff
import Engine
import Foundation

/// `qscope compare`: two models on the same inputs, same-named tensors compared layer by layer — typically a
/// float model against a QDQ model quantized by another toolchain.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run two models on the same inputs and compare their same-named tensors.",
        discussion: """
            A is the reference, B the candidate. A QDQ model is imported: each quantized tensor is compared through \
            the DequantizeLinear output that carries it. Inputs come from --input files, from --eval DIR (with the \
            preprocessing flags or --config), or are deterministic pseudo-random values (with a warning).
            """
    )

    @Argument(help: "The reference ONNX model (A).")
    var modelA: String

    @Argument(help: "The candidate ONNX model (B).")
    var modelB: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input file: NAME=FILE, or FILE for a one-input model.", valueName: "NAME=FILE"))
    var inputs: [String] = []

    @OptionGroup var options: AnalysisOptions

    @Option(name: .customLong("report"), help: ArgumentHelp("Write the per-layer report (.csv, .json or .html); repeatable.", valueName: "FILE"))
    var reports: [String] = []

    @Flag(help: "Print the report as JSON (schema qscope.analysis/1) on stdout instead of the table.")
    var json = false

    func run() throws {
        try reportingFailures {
            let formats = try reports.map { try ReportFormat(path: $0) }
            for r in reports { try FileIO.checkWritable(r) }
            let config = try options.resolved()
            let loadedA = try ModelLoader.load(path: modelA)
            let loadedB = try ModelLoader.load(path: modelB)
            var labelA = (modelA as NSString).lastPathComponent, labelB = (modelB as NSString).lastPathComponent
            if labelA == labelB, modelA != modelB { (labelA, labelB) = (modelA, modelB) }
            let a = try ComparedModel(model: loadedA, label: labelA)
            let b = try ComparedModel(model: loadedB, label: labelB)
            let (samples, source) = try loadSamples(model: loadedA, config: config)

            var entries = [ConfigEntry("model_a", modelA), ConfigEntry("model_b", modelB),
                           ConfigEntry("format_a", a.isQDQ ? "QDQ (imported)" : "float"),
                           ConfigEntry("format_b", b.isQDQ ? "QDQ (imported)" : "float"),
                           ConfigEntry("inputs", source), ConfigEntry("samples", String(samples.count))]
            entries.append(ConfigEntry("isolated", "each node of B alone on A's tensors"))
            let thresholds = try SeverityThresholds(warn: config.warnThreshold, fail: config.failThreshold)
            let progress = ProgressLine()
            let start = now()
            var comparison = try ModelComparison.run(
                reference: a, candidate: b, samples: samples, config: entries,
                suspicion: SuspicionConfig(thresholds: thresholds, dropDelta: config.dropDelta)) {
                progress.update("comparing", $0, $1)
            }
            progress.finish()
            comparison.report.timings["compare_s"] = now() - start
            let report = comparison.report
            if json {
                print(String(decoding: try JSONReport(report).data(), as: UTF8.self), terminator: "")
            } else {
                print("A: \(modelA)\(a.isQDQ ? " (QDQ, imported)" : "")")
                print("B: \(modelB)\(b.isQDQ ? " (QDQ, imported)" : "")")
                print("inputs: \(source), \(samples.count) sample\(samples.count == 1 ? "" : "s")")
                for o in report.outputs {
                    print(String(format: "output '%@': cosine %.6f, SQNR %@ dB", o.name, o.metrics.cosineSimilarity,
                                 String(format: "%.2f", o.metrics.sqnrDB)))
                }
                print("")
                print(ConsoleTable(report).text, terminator: "")
                print(comparison.notComparedText, terminator: "")
            }
            for (path, format) in zip(reports, formats) {
                try format.document(for: report).write(to: path)
                // Keep stdout pure JSON with --json.
                if json { FileHandle.standardError.write(Data("wrote \(path)\n".utf8)) } else { print("wrote \(path)") }
            }
        }
    }

    /// The samples both models run on, and where they came from (for the report).
    private func loadSamples(model: Model, config: AnalysisConfig) throws -> ([[String: Tensor]], String) {
        if !inputs.isEmpty {
            if let dir = options.eval ?? options.calib {
                throw QScopeError.usage("give --input files or a data directory (\(dir)), not both")
            }
            let (feeds, synthesized) = try InputArguments.load(model: model, inputs: inputs, shapes: options.shapes)
            for name in synthesized {
                warn("input '\(name)' has no file; using deterministic pseudo-random values of shape \(feeds[name]!.shape)")
            }
            // NaN and infinity would be skipped by every metric and the two models would look identical.
            for (name, t) in feeds.sorted(by: { $0.key < $1.key }) {
                guard case .float(let values) = t.data, let bad = values.firstIndex(where: { !$0.isFinite }) else { continue }
                let total = values.reduce(0) { $1.isFinite ? $0 : $0 + 1 }
                throw QScopeError.badInput(name: name, reason: "it contains \(values[bad].isNaN ? "NaN" : "infinity") "
                    + "at element \(bad) (\(total) non-finite value\(total == 1 ? "" : "s") of \(values.count)); "
                    + "a comparison needs finite inputs")
            }
            return ([feeds], "files " + inputs.joined(separator: " "))
        }
        if let dir = config.evalDataDir ?? config.calDataDir {
            var c = config
            // Only evaluation samples are needed: read them as the calibration set, without its sample-count advice.
            c.calDataDir = dir
            c.evalDataDir = nil
            c.calSamples = nil
            let data = try AnalysisData.open(model: model, config: c)
            return (data.evaluation, "directory \(dir)")
        }
        let (feeds, synthesized) = try InputArguments.load(model: model, inputs: [], shapes: options.shapes)
        for name in synthesized {
            warn("input '\(name)' has no file or data directory; both models run on deterministic pseudo-random values "
                + "of shape \(feeds[name]!.shape), which may not exercise the ranges real data does (give --input or --eval)")
        }
        return ([feeds], "pseudo-random")
    }
}

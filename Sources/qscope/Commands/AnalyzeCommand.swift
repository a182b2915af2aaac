import ArgumentParser
import Diff
import Engine
import Foundation

/// `qscope analyze`: calibrate once, evaluate one or all methods, and compare the quantized stage with float.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Calibrate, quantize and compare every layer with float.",
        discussion: "The float model runs once over the calibration data; every method is then evaluated from those statistics."
    )

    @Argument(help: "The ONNX model file.")
    var model: String

    @OptionGroup var options: AnalysisOptions

    @Flag(name: .customLong("all-methods"), help: "Evaluate max, kl, percentile and mse from one set of statistics (same as --method all).")
    var allMethods = false

    @Option(name: .customLong("json"), help: "Write the per-method ranges, scales, output cosine and timings as JSON here.")
    var jsonPath: String?

    @Option(name: .customLong("report"), help: ArgumentHelp("Write the per-layer report (.csv, .json or .html); repeatable.", valueName: "FILE"))
    var reports: [String] = []

    @Option(name: .customLong("fail-below"), help: "Exit with code 1 when the final output's cosine is below this.")
    var failBelow: Double?

    func run() throws {
        try reportingFailures {
            var methodFlag = options
            let wantsAll = allMethods || options.method?.lowercased() == "all"
            if wantsAll { methodFlag.method = nil }
            let config = try methodFlag.resolved()
            let session = try AnalysisSession.open(modelPath: model, config: config, progress: ProgressLine())
            let kinds: [CalibrationMethodKind] = wantsAll ? [.max, .kl, .percentile, .mse] : [config.quantization.method]
            var evaluations: [QuantEvaluation] = []
            for kind in kinds {
                var q = config.quantization
                q.method = kind
                evaluations.append(try session.analyzer.evaluate(q, target: session.target))
            }
            let formats = try reports.map { try ReportFormat(path: $0) }
            print(AnalyzeText.render(session: session, evaluations: evaluations, config: config), terminator: "")
            let primary = evaluations[0]
            let report = try ReportBuilder.build(analyzer: session.analyzer, evaluation: primary, config: config,
                                                 modelPath: model)
            print("")
            print(ConsoleTable(report).text, terminator: "")
            for (path, format) in zip(reports, formats) {
                try format.document(for: report).write(to: path)
                print("wrote \(path)")
            }
            if let jsonPath {
                try FileIO.writeAtomically(AnalyzeJSON.encode(session: session, evaluations: evaluations, config: config), to: jsonPath)
                print("wrote \(jsonPath)")
            }
            // The gate is the final output of what the device runs: float vs hybrid (float vs quantized when
            // the hybrid stage could not be built).
            let gate = primary.hybridOutputCosine ?? primary.outputCosine
            if let failBelow, gate < failBelow {
                FileHandle.standardError.write(Data(String(format: "qscope: output cosine %.6f is below --fail-below %g\n",
                                                           gate, failBelow).utf8))
                throw ExitCode(1)
            }
        }
    }
}

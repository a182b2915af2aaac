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
                evaluations.append(try session.analyzer.evaluate(q))
            }
            print(AnalyzeText.render(session: session, evaluations: evaluations, config: config), terminator: "")
            if let jsonPath {
                try FileIO.writeAtomically(AnalyzeJSON.encode(session: session, evaluations: evaluations, config: config), to: jsonPath)
                print("wrote \(jsonPath)")
            }
        }
    }
}

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

    @Option(help: ArgumentHelp("all (default): every stage pair with accumulated and isolated errors; quantized: only float vs the fake-quantized stage, accumulated (no hybrid stage, no isolated errors).", valueName: "all|quantized"))
    var stages = "all"

    @Option(name: .customLong("dump-samples"), help: .hidden)
    var dumpSamples: String?

    func run() throws {
        try reportingFailures {
            var methodFlag = options
            if allMethods, let method = options.method, method.lowercased() != "all" {
                throw QScopeError.usage("--all-methods evaluates max, kl, percentile and mse, which conflicts with "
                    + "--method \(method); give one of the two")
            }
            let wantsAll = allMethods || options.method?.lowercased() == "all"
            if wantsAll { methodFlag.method = nil }
            let config = try methodFlag.resolved()
            guard ["all", "quantized"].contains(stages.lowercased()) else {
                throw QScopeError.usage("--stages must be all or quantized, not '\(stages)'")
            }
            let full = stages.lowercased() == "all"
            let session = try AnalysisSession.open(modelPath: model, config: config, progress: ProgressLine())
            if let dumpSamples { try dump(session, to: dumpSamples) }
            let kinds: [CalibrationMethodKind] = wantsAll ? [.max, .kl, .percentile, .mse] : [config.quantization.method]
            let evaluations = try session.evaluations(config, methods: kinds, methodGiven: wantsAll || options.method != nil,
                                                     isolated: full, hybrid: full)
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

    /// Writes the preprocessed calibration and evaluation samples as `.npy` (`cal_000_INPUT.npy`,
    /// `eval_000_INPUT.npy`): what scripts/bench.py feeds ONNX Runtime so that both tools see the same tensors.
    private func dump(_ session: AnalysisSession, to dir: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw QScopeError.fileUnwritable(path: dir, reason: "cannot create the directory (\(error.localizedDescription))")
        }
        func name(_ kind: String, _ i: Int, _ input: String) -> String {
            let safe = String(input.map { $0.isLetter || $0.isNumber ? $0 : "_" })
            let index = String(i)
            return (dir as NSString).appendingPathComponent("\(kind)_\(String(repeating: "0", count: max(0, 3 - index.count)))\(index)_\(safe).npy")
        }
        try session.data.calibration.forEach { i, feeds in
            for (input, t) in feeds { try Npy.write(t, to: name("cal", i, input)) }
        }
        for (i, feeds) in session.data.evaluation.enumerated() {
            for (input, t) in feeds { try Npy.write(t, to: name("eval", i, input)) }
        }
    }
}

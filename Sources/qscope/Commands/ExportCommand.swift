import ArgumentParser
import Diff
import Engine
import Foundation

/// `qscope export`: write the quantized stage as a standard QDQ ONNX model.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Calibrate and write a QDQ-quantized ONNX model (QuantizeLinear/DequantizeLinear).")

    @Argument(help: "The float ONNX model file.")
    var model: String

    @OptionGroup var options: AnalysisOptions

    @Option(name: .shortAndLong, help: "The output .onnx file.")
    var output: String

    func run() throws {
        try reportingFailures {
            let config = try options.resolved()
            let session = try AnalysisSession.open(modelPath: model, config: config, progress: ProgressLine())
            let evaluation = try session.evaluations(config, methods: [config.quantization.method],
                                                     methodGiven: options.method != nil, isolated: false)[0]
            let exported = try QDQExporter.export(evaluation.stage, floatModel: evaluation.stage.model)
            try ModelWriter.write(exported, to: output)
            print(String(format: "wrote %@ (%@, output cosine vs float %.6f on %d evaluation samples)", output,
                         evaluation.methodName, evaluation.outputCosine, session.analyzer.evalFeeds.count))
        }
    }
}

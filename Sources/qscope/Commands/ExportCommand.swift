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
            if FileIO.sameFile(output, model) {
                throw QScopeError.usage("-o \(output) is the input model; write the quantized model elsewhere")
            }
            try FileIO.checkWritable(output)
            let config = try options.resolved()
            let session = try AnalysisSession.open(modelPath: model, config: config, progress: ProgressLine())
            let evaluation = try session.evaluations(config, methods: [config.quantization.method],
                                                     methodGiven: options.method != nil, isolated: false)[0]
            let exported = try QDQExporter.export(evaluation.stage, floatModel: evaluation.stage.model)
            // The written model is run before it is written: it must compute what the quantized stage computed.
            let stageCosine = evaluation.outputCosine
            let writtenCosine = try session.analyzer.outputCosine(of: exported)
            guard !(abs(writtenCosine - stageCosine) > 1e-3) else {
                throw QScopeError.usage(String(format: "the QDQ model for %@ does not compute what the quantized "
                    + "stage computes (output cosine vs float %.6f against %.6f), so it was not written; this is "
                    + "a qscope bug, please report it", model, writtenCosine, stageCosine))
            }
            try ModelWriter.write(exported, to: output)
            print(String(format: "wrote %@ (%@, output cosine vs float %.6f on %d evaluation samples; the "
                         + "written model, run by qscope: %.6f)", output, evaluation.methodName, stageCosine,
                         session.analyzer.evalFeeds.count, writtenCosine))
        }
    }
}

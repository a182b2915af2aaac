import Diff
import Engine
import Foundation

/// A model with its data opened and the float pass done: what analyze, export and open start from.
struct AnalysisSession {
    /// The float model: the file itself, or the model recovered from a QDQ-quantized file.
    let model: Model
    /// For a model that is already QDQ-quantized: its own quantization, which becomes the "imported" stage.
    let imported: ImportedQuantization?
    let data: AnalysisData
    let analyzer: QuantAnalyzer
    /// The hybrid stage's target, read before the float pass so a bad file fails fast.
    let target: TargetDescription

    /// What analyze and export evaluate: the imported stage of a QDQ model unless a method is asked for, then
    /// each method in `methods`. `isolated` and `hybrid` turn the isolated errors and the hybrid stage off.
    func evaluations(_ config: AnalysisConfig, methods: [CalibrationMethodKind], methodGiven: Bool,
                     isolated: Bool = true, hybrid: Bool = true) throws -> [QuantEvaluation] {
        var out: [QuantEvaluation] = []
        if let imported {
            out.append(try analyzer.evaluate(imported: try imported.makeStage(), isolated: isolated, hybrid: hybrid,
                                               target: target))
            if !methodGiven { return out }
        }
        for kind in methods {
            var q = config.quantization
            q.method = kind
            out.append(try analyzer.evaluate(q, isolated: isolated, hybrid: hybrid, target: target))
        }
        return out
    }

    static func open(modelPath: String, config: AnalysisConfig, progress: ProgressLine?) throws -> AnalysisSession {
        let target = try config.loadTarget()
        var model = try ModelLoader.load(path: modelPath)
        let fileGraph = model.graph
        var imported: ImportedQuantization?
        if QDQImporter.isQDQ(model) {
            let recovered = try QDQImporter.recover(model)
            warn("\(modelPath) is already QDQ-quantized: its own scales are the quantized stage ('imported'), "
                 + "compared with the float model recovered by removing its QuantizeLinear/DequantizeLinear pairs")
            model = recovered.floatModel
            imported = recovered
        }
        try config.checkNodeNames(target: target, graphs: [fileGraph, model.graph])
        let data = try AnalysisData.open(model: model, config: config)
        for w in data.warnings { warn(w) }
        let analyzer = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation,
                                         sharedSamples: data.sharedSamples) {
            progress?.update($0, $1, $2)
        }
        analyzer.hybridInputs = config.hybridInputs(data)
        progress?.finish()
        return AnalysisSession(model: model, imported: imported, data: data, analyzer: analyzer, target: target)
    }
}

/// A progress bar on stderr when it is a terminal; nothing otherwise.
final class ProgressLine {
    let enabled = isatty(STDERR_FILENO) != 0

    func update(_ label: String, _ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let width = 30
        let filled = done * width / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label.padding(toLength: 18, withPad: " ", startingAt: 0)) [\(bar)] \(done)/\(total)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

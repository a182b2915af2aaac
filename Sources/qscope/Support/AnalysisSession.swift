import Diff
import Engine
import Foundation

/// A model with its data opened and the float pass done: what analyze, export and open start from.
struct AnalysisSession {
    let model: Model
    let data: AnalysisData
    let analyzer: QuantAnalyzer
    /// The hybrid stage's target, read before the float pass so a bad file fails fast.
    let target: TargetDescription

    static func open(modelPath: String, config: AnalysisConfig, progress: ProgressLine?) throws -> AnalysisSession {
        let target = try config.loadTarget()
        let model = try ModelLoader.load(path: modelPath)
        let data = try AnalysisData.open(model: model, config: config)
        for w in data.warnings { warn(w) }
        let analyzer = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation) {
            progress?.update($0, $1, $2)
        }
        progress?.finish()
        return AnalysisSession(model: model, data: data, analyzer: analyzer, target: target)
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

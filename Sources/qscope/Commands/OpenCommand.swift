import ArgumentParser
import Diff
import Engine
import Foundation
import TUI

/// `qscope open` (and plain `qscope MODEL`): the interactive view.
struct OpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Open the interactive layer-by-layer view (ncurses).")

    @Argument(help: "The ONNX model file.")
    var model: String

    @OptionGroup var options: AnalysisOptions

    @Option(help: "A TOML colour theme file (see themes/).")
    var theme: String?

    func run() throws {
        try reportingFailures {
            let config = try options.resolved()
            var loaded = try ModelLoader.load(path: model)
            let fileGraph = loaded.graph
            _ = try Executor(model: loaded)  // unsupported operators and graph errors fail before the screen opens
            // A QDQ model opens as its recovered float model, with its own scales as the first quantized stage.
            var imported: ImportedQuantization?
            if QDQImporter.isQDQ(loaded) {
                let recovered = try QDQImporter.recover(loaded)
                loaded = recovered.floatModel
                imported = recovered
            }
            let target = try config.loadTarget()
            try config.checkNodeNames(target: target, graphs: [fileGraph, loaded.graph])
            let state = OpenState(model: loaded, config: config, path: model, target: target, imported: imported)
            var session = TUIApp.defaultSession(
                loaded, shapes: (try? AnalysisData.resolvedShapes(config.inputShapes, model: loaded)) ?? [:])
            session.calibration = TUIBridge.method(config.quantization.method)
            session.perChannel = config.quantization.perChannel
            do {
                try TUIApp.run(model: loaded, session: session, themeFile: theme, stages: OpenState.initialStages,
                               hooks: state.hooks(session: session))
                // The screen showed the failure; the shell gets it as analyze reports it.
                if let failure = state.startFailure { throw failure }
            } catch let e as QScopeError {
                throw e
            } catch {
                throw QScopeError.usage("\(error)")
            }
        }
    }
}

/// What the background jobs of the TUI share: the analyzer (made once) and the latest evaluation.
final class OpenState: @unchecked Sendable {
    let model: Model
    let config: AnalysisConfig
    let path: String
    let target: TargetDescription
    let imported: ImportedQuantization?
    private let lock = NSLock()
    private var analyzer: QuantAnalyzer?
    private var evaluation: QuantEvaluation?
    private var report: AnalysisReport?
    private var base: [LayerInfo] = []
    private var failure: Error?

    /// The float pass runs first, in the background (see `start`).
    static let initialStages: [TUI.Stage: TUI.StageStatus] = [
        .float: .computing(progress: 0, note: "reading data"), .optimized: .pending, .quantized: .pending,
        .hybrid: .pending,
    ]

    /// Why the first analysis (reading the data, the float pass, the first quantized stage) failed, if it did.
    var startFailure: Error? { lock.withLock { failure } }

    init(model: Model, config: AnalysisConfig, path: String, target: TargetDescription,
         imported: ImportedQuantization? = nil) {
        self.target = target
        self.imported = imported
        self.model = model
        self.config = config
        self.path = path
    }

    func hooks(session: SessionInfo) -> TUIHooks {
        TUIHooks(
            recompute: { [self] request, ctx in try recompute(request, ctx) },
            export: { [self] format, file, _, _ in try export(format, file) },
            start: { [self] ctx in try start(session, ctx) })
    }

    /// The first analysis; a failure is kept for the exit status and rethrown for the screen.
    private func start(_ session: SessionInfo, _ ctx: JobContext) throws {
        do {
            try analyse(session, ctx)
        } catch let error where !(error is CancellationError) {
            lock.withLock { failure = error }
            throw error
        }
    }

    private func analyse(_ session: SessionInfo, _ ctx: JobContext) throws {
        ctx.progress(.float, 0, "reading data")
        let data = try AnalysisData.open(model: model, config: config)
        let analyzer = try QuantAnalyzer(model: model, calibration: data.calibration, evaluation: data.evaluation,
                                         sharedSamples: data.sharedSamples) { label, done, total in
            ctx.progress(.float, Double(done) / Double(max(total, 1)), "\(label) \(done)/\(total)")
        }
        analyzer.hybridInputs = config.hybridInputs(data)
        try ctx.checkCancelled()
        var shapes: [String: [Int]] = [:]
        for (name, t) in analyzer.floatActivations.first ?? [:] { shapes[name] = t.shape }
        lock.withLock {
            self.analyzer = analyzer
            self.base = (try? LayerInfoBuilder.build(model: model, shapes: shapes)) ?? []
        }
        var s = session
        s.calibrationSamples = analyzer.calibrationSamples
        s.evalSamples = analyzer.evalFeeds.count
        if let input = model.graph.inputs.first, let shape = analyzer.evalFeeds.first?[input.name]?.shape {
            s.inputShape = TUIApp.shapeText(shape)
        }
        ctx.post(.sessionUpdated(s))
        for w in data.warnings { ctx.post(.message(w, isError: false)) }
        ctx.post(.stage(.float, .ready))
        ctx.post(.stage(.optimized, analyzer.optimizedError.map { .failed(reason: $0) } ?? .ready))
        if imported != nil {
            ctx.post(.message("QDQ model: the quantized stage uses the model's own scales ('imported'); c recalibrates", isError: false))
        }
        let layers = try evaluate(config.quantization, ctx, imported: try imported?.makeStage())
        ctx.post(.layersUpdated(layers))
        ctx.post(.stage(.quantized, .ready))
    }

    private func recompute(_ request: RecomputeRequest, _ ctx: JobContext) throws -> [LayerInfo] {
        var q = config.quantization
        q.method = TUIBridge.method(request.method)
        q.perChannel = request.perChannel
        let names = lock.withLock { base.filter { request.cpuFallback.contains($0.index) }.map(\.name) }
        q.floatNodes = config.quantization.floatNodes.union(names)
        return try evaluate(q, ctx)
    }

    private func evaluate(_ q: QuantizationConfig, _ ctx: JobContext, imported: QuantizedStage? = nil) throws -> [LayerInfo] {
        guard let analyzer = lock.withLock({ self.analyzer }) else {
            throw QScopeError.usage("the float pass has not finished yet")
        }
        ctx.progress(.quantized, 0.85, "quantizing (\(q.method.rawValue))")
        let e = try imported.map { try analyzer.evaluate(imported: $0, target: target) } ?? analyzer.evaluate(q, target: target)
        try ctx.checkCancelled()
        let report = try ReportBuilder.build(analyzer: analyzer, evaluation: e, config: config, modelPath: path)
        let layers = lock.withLock { () -> [LayerInfo] in
            self.evaluation = e
            self.report = report
            return TUIBridge.layers(base, analyzer: analyzer, evaluation: e, report: report)
        }
        ctx.post(.stage(.hybrid, e.hybridError.map { .failed(reason: $0) } ?? .ready))
        ctx.post(.message(String(format: "%@: output cosine %.6f (hybrid %@), recomputed in %.2f s", e.methodName,
                                 e.outputCosine, e.hybridOutputCosine.map { String(format: "%.6f", $0) } ?? "–",
                                 e.seconds), isError: false))
        return layers
    }

    private func export(_ format: ExportFormat, _ file: String) throws -> String {
        guard let report = lock.withLock({ self.report }) else {
            throw QScopeError.usage("nothing to export yet: the quantized stage is still being computed")
        }
        let target = file.hasSuffix(".\(format.rawValue)") ? file : file + ".\(format.rawValue)"
        try ReportFormat(path: target).document(for: report).write(to: target)
        return "wrote \(target)"
    }
}

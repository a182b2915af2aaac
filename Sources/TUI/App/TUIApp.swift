import Engine
import Foundation

/// The work the TUI asks its host to do in the background. Every closure runs off the UI thread with a
/// `JobContext` for progress and cancellation; nil closures are reported to the user as not available.
public struct TUIHooks: Sendable {
    /// Recomputes the quantized and hybrid stages with the request's settings and returns the layers with
    /// their new metrics. Report progress with `context.progress(.quantized, 0.4, "calibrating")`; the TUI
    /// marks both stages ready when it returns.
    public var recompute: (@Sendable (RecomputeRequest, JobContext) throws -> [LayerInfo])?
    /// Writes a report of the given layers; returns the line to show (e.g. "wrote report.csv").
    public var export: (@Sendable (ExportFormat, String, [LayerInfo], JobContext) throws -> String)?
    /// Runs once when the TUI opens (e.g. computing the stages); may post any events through the context. When
    /// it throws, the stages still pending or computing fail with the error (``Event/workFailed(_:)``).
    public var start: (@Sendable (JobContext) throws -> Void)?

    public init(recompute: (@Sendable (RecomputeRequest, JobContext) throws -> [LayerInfo])? = nil,
                export: (@Sendable (ExportFormat, String, [LayerInfo], JobContext) throws -> String)? = nil,
                start: (@Sendable (JobContext) throws -> Void)? = nil) {
        self.recompute = recompute
        self.export = export
        self.start = start
    }
}

/// The entry point of `qscope open`.
public enum TUIApp {
    /// Opens the TUI on a model and runs until the user quits.
    /// - Parameters:
    ///   - model: the loaded float model; its graph gives the layer list.
    ///   - session: header facts; by default the model's file name and first input's shape.
    ///   - themeFile: a `--theme` file, used first; a broken file throws a `TOMLError` (file:line: what)
    ///     before the terminal is touched.
    ///   - shapes: tensor shapes by name when known.
    ///   - stages: each stage's status when the screen opens, e.g. the float stage computing when `hooks.start`
    ///     runs the float pass.
    /// - Throws: graph errors from building the layer list, theme errors, `TerminalUnavailable`.
    public static func run(model: Model, session: SessionInfo? = nil, themeFile: String? = nil,
                           shapes: [String: [Int]] = [:], stages: [Stage: StageStatus] = AppState.initialStages,
                           hooks: TUIHooks = TUIHooks()) throws {
        let layers = try LayerInfoBuilder.build(model: model, shapes: shapes)
        let themes = try ThemeSet(userFile: themeFile)
        let info = session ?? defaultSession(model)
        let terminal = try CursesTerminal()
        defer { terminal.restore() }
        _ = run(state: AppState(session: info, layers: layers, stages: stages), themes: themes, hooks: hooks,
                terminal: terminal)
    }

    /// Header facts derived from the model alone. The input shape is the concrete one a run uses: `shapes[name]`
    /// when given, else the declared one with a symbolic leading (batch) dimension as 1; other symbolic
    /// dimensions keep their names.
    public static func defaultSession(_ model: Model, shapes: [String: [Int]] = [:]) -> SessionInfo {
        let name = model.path.isEmpty ? (model.graph.name.isEmpty ? "model" : model.graph.name)
            : URL(fileURLWithPath: model.path).lastPathComponent
        let input = model.graph.inputs.first.map { info -> String in
            if let shape = InputValidator.concreteShape(info, override: shapes[info.name]) { return shapeText(shape) }
            return info.dims.map { $0.map(\.description).joined(separator: "x") } ?? "?"
        } ?? "?"
        return SessionInfo(modelName: name, inputShape: input)
    }

    /// A shape as the header writes it, e.g. "1x3x224x224".
    public static func shapeText(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }

    /// The main loop, on any terminal: draw, wait up to 50 ms for input, apply it and the background events,
    /// carry out the effects. Returns the final state (tests drive it with a fake terminal).
    public static func run(state initial: AppState, themes: ThemeSet, hooks: TUIHooks, terminal: TerminalIO,
                           pollMilliseconds: Int = 50) -> AppState {
        var state = initial
        state.themeCount = themes.themes.count
        state.unicode = terminal.supportsUnicode
        let size = terminal.size
        _ = state.apply(.resize(width: size.width, height: size.height))
        let queue = EventQueue()
        let runner = JobRunner(queue: queue)
        defer { runner.cancelAll() }
        if let start = hooks.start {
            runner.start(kind: "start", start) { error, context in context.post(.workFailed("\(error)")) }
        }
        terminal.draw(render(state), theme: themes.theme(at: state.themeIndex))

        while true {
            var events = queue.drain()
            if let e = terminal.nextEvent(timeoutMilliseconds: pollMilliseconds) { events.append(e) }
            guard !events.isEmpty else { continue }
            var effects: [Effect] = []
            for e in events { effects += state.apply(e) }
            for effect in effects {
                switch effect {
                case .quit: return state
                case .redraw: break
                case .cancelJobs: runner.cancelAll()
                case .recompute(let request): startRecompute(request, hooks: hooks, runner: runner, queue: queue)
                case .export(let format, let path):
                    startExport(format, path, layers: state.layers, hooks: hooks, runner: runner, queue: queue)
                }
            }
            terminal.draw(render(state), theme: themes.theme(at: state.themeIndex))
        }
    }

    static func startRecompute(_ request: RecomputeRequest, hooks: TUIHooks, runner: JobRunner, queue: EventQueue) {
        guard let recompute = hooks.recompute else {
            for stage in [Stage.quantized, .hybrid] {
                queue.post(.stage(stage, .failed(reason: "quantization is not available in this build")))
            }
            return
        }
        runner.start(kind: "recompute", { context in
            let layers = try recompute(request, context)
            try context.checkCancelled()
            context.post(.layersUpdated(layers))
            context.post(.stage(.quantized, .ready))
            context.post(.stage(.hybrid, .ready))
        }, onError: { error, context in
            context.post(.workFailed("\(error)"))
        })
    }

    static func startExport(_ format: ExportFormat, _ path: String, layers: [LayerInfo], hooks: TUIHooks,
                            runner: JobRunner, queue: EventQueue) {
        guard let export = hooks.export else {
            queue.post(.message("export is not available in this build", isError: true))
            return
        }
        runner.start(kind: "export", { context in
            let message = try export(format, path, layers, context)
            context.post(.message(message, isError: false))
        }, onError: { error, context in
            context.post(.message("export failed: \(error)", isError: true))
        })
    }
}

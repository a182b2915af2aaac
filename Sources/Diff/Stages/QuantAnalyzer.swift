import Engine
import Foundation

/// One evaluated quantization configuration: the stage and how far it drifts from float.
public struct QuantEvaluation {
    /// The configuration actually used (`auto` resolved to the chosen method).
    public let config: QuantizationConfig
    public let stage: QuantizedStage
    /// Accumulated error per tensor: the quantized stage run end to end vs float.
    public let accumulated: [String: TensorMetrics]
    /// Isolated error per tensor: its layer alone quantized, fed the float inputs (empty when not computed).
    public let isolated: [String: TensorMetrics]
    /// Per graph output.
    public let outputs: [String: TensorMetrics]
    /// Seconds to build the stage and evaluate it on the cached samples (everything below included).
    public internal(set) var seconds: Double
    /// The split of `seconds`: `quantized_s` (ranges, stage build and the accumulated comparison, plus the
    /// trials of `auto`), `hybrid_s` (partition, build, runs and comparisons of the hybrid stage) and
    /// `isolated_s` (the per-layer isolated errors).
    public internal(set) var timings: [String: Double] = [:]
    /// For `auto`: each tried method with its output cosine on the first evaluation sample.
    public let autoTrials: [(method: CalibrationMethodKind, cosine: Double)]
    /// The simulated-hybrid stage, when it was built (nil with `hybridError` set when it failed).
    public var hybrid: HybridStage? = nil
    public var hybridError: String? = nil
    /// Float vs hybrid, per tensor and per graph output.
    public var hybridAccumulated: [String: TensorMetrics] = [:]
    public var hybridOutputs: [String: TensorMetrics] = [:]
    /// Quantized vs hybrid, per tensor.
    public var quantizedVsHybrid: [String: TensorMetrics] = [:]
    /// Float vs hybrid isolated: each integer (accelerator) layer alone, fed the float inputs quantized to its
    /// integer grid (empty when not computed).
    public var hybridIsolated: [String: TensorMetrics] = [:]

    /// Where the stage's scales come from: "imported" for a QDQ model's own parameters, else the method.
    public var methodName: String = ""

    /// Mean cosine over the graph outputs (float vs quantized).
    public var outputCosine: Double { Self.meanCosine(outputs) }

    /// Mean cosine over the graph outputs, float vs hybrid (nil without a hybrid stage).
    public var hybridOutputCosine: Double? { hybrid == nil ? nil : Self.meanCosine(hybridOutputs) }

    public static func meanCosine(_ m: [String: TensorMetrics]) -> Double {
        m.isEmpty ? 1 : m.values.map(\.cosineSimilarity).reduce(0, +) / Double(m.count)
    }
}

/// Runs the float pass once (statistics and cached evaluation activations) and then evaluates any number of
/// quantization configurations from that cache, without re-running the float model.
public final class QuantAnalyzer {
    public let model: Model
    public let floatExecutor: Executor
    public let statistics: CalibrationCollector
    /// The evaluation samples' inputs and every float tensor they produce.
    public let evalFeeds: [[String: Tensor]]
    public let floatActivations: [[String: Tensor]]
    public let calibrationSamples: Int
    /// Warnings for the user (too few samples and the like).
    public let warnings: [String]
    /// `float_pass_s` (calibration pass, recording the shared evaluation samples), `eval_cache_s` (float runs of
    /// the other evaluation samples), `stats_s`.
    public private(set) var timings: [String: Double] = [:]
    /// Ranges already computed, by method: switching back to a method re-uses them.
    public let rangeCache = RangeCache()
    /// Rounded weights, the same for every method: built once.
    public let weightCache = WeightCache()
    /// The optimized-float stage (BatchNormalization folded, constants folded, Identity removed, Conv+Relu
    /// fused), or nil with `optimizedError` set when the passes failed.
    public private(set) var optimized: OptimizedModel?
    public private(set) var optimizedError: String?
    /// Float vs optimized float, per tensor and per graph output.
    public private(set) var optimizedMetrics: [String: TensorMetrics] = [:]
    public private(set) var optimizedOutputs: [String: TensorMetrics] = [:]
    /// The graph the quantized and hybrid stages are built from: the optimized model with activations
    /// unfused (quantization points model Conv+Relu fusion themselves), or the float model.
    public private(set) var quantizationModel: Model
    /// The image preprocessing of the graph inputs, so that the hybrid stage can feed them as uint8 pixels with
    /// the normalization folded into the first Conv (default: no input is an image).
    public var hybridInputs = HybridInputOptions()

    /// - Parameters:
    ///   - calibration: the calibration samples.
    ///   - evaluation: the samples compared across stages (each is run once in float and cached).
    ///   - sharedSamples: how many leading evaluation samples are also the leading calibration samples (all of
    ///     them when the evaluation set defaults to the calibration set): their float tensors are recorded during
    ///     the calibration pass instead of running them again (same executor, same inputs, same tensors).
    public init(model: Model, calibration: CalibrationDataset, evaluation: [[String: Tensor]], sharedSamples: Int = 0,
                progress: ((String, Int, Int) -> Void)? = nil) throws {
        self.model = model
        quantizationModel = model
        floatExecutor = try Executor(model: model)
        var t0 = MonotonicClock.seconds()
        let collector = CalibrationCollector()
        let shared = Swift.max(0, Swift.min(sharedSamples, evaluation.count, calibration.count))
        var cache = [[String: Tensor]?](repeating: nil, count: evaluation.count)
        func cached(_ i: Int, _ recorder: TensorRecorder) {
            var all = recorder.tensors
            for (k, v) in evaluation[i] { all[k] = v }
            cache[i] = all
        }
        try CalibrationPass.run(floatExecutor, on: calibration, collector: collector, preloaded: Array(evaluation.prefix(shared)),
                                recorded: cached) { progress?("calibrating", $0, $1) }
        timings["float_pass_s"] = MonotonicClock.seconds() - t0
        if let bad = collector.nonFiniteTensors.first {
            throw QScopeError.usage("tensor '\(bad.name)' held \(bad.count) NaN or infinite values during calibration; "
                + "check the calibration data and preprocessing")
        }
        statistics = collector
        calibrationSamples = calibration.count
        warnings = calibration.warnings
        t0 = MonotonicClock.seconds()
        for (i, feeds) in evaluation.enumerated() {
            if cache[i] == nil {
                let recorder = TensorRecorder()
                _ = try floatExecutor.run(feeds, observer: recorder)
                cached(i, recorder)
            }
            progress?("evaluating float", i + 1, evaluation.count)
        }
        timings["eval_cache_s"] = MonotonicClock.seconds() - t0
        evalFeeds = evaluation
        floatActivations = cache.map { $0 ?? [:] }
        t0 = MonotonicClock.seconds()
        buildOptimized()
        timings["optimize_s"] = MonotonicClock.seconds() - t0
    }

    /// Runs the passes and compares the optimized model with float on the evaluation samples.
    private func buildOptimized() {
        guard let first = evalFeeds.first else { return }
        do {
            let opt = try PassManager.optimize(model, inputShapes: first.mapValues(\.shape))
            let executor = try Executor(model: opt.model)
            let observer = ComparingObserver()
            var outputs: [String: MetricsAccumulator] = [:]
            for (i, feeds) in evalFeeds.enumerated() {
                observer.reference = floatActivations[i]
                accumulate(try executor.run(feeds, observer: observer), against: floatActivations[i], into: &outputs)
            }
            optimized = opt
            optimizedMetrics = observer.results
            optimizedOutputs = outputs.mapValues(\.result)
            quantizationModel = ActivationFusion.unfuse(opt.model)
        } catch {
            optimizedError = "\(error)"
        }
    }

    /// Builds and evaluates the quantized stage for `config`; `auto` tries max, percentile 99.995 and kl and
    /// keeps the best output cosine on the first evaluation sample.
    public func evaluate(_ config: QuantizationConfig, isolated: Bool = true, hybrid: Bool = true,
                         target: TargetDescription = .default) throws -> QuantEvaluation {
        let t0 = MonotonicClock.seconds()
        var chosen = config
        var trials: [(CalibrationMethodKind, Double)] = []
        let points = try QuantizationPoints(model: quantizationModel, floatNodes: config.floatNodes)
        if config.method == .auto {
            var best: (QuantizationConfig, Double)?
            for (kind, pct) in [(CalibrationMethodKind.max, config.percentile), (.percentile, 99.995), (.kl, config.percentile)] {
                var c = config
                c.method = kind
                c.percentile = pct
                let stage = try QuantizedStage(floatModel: quantizationModel, statistics: statistics, config: c, points: points,
                                               rangeCache: rangeCache, weightCache: weightCache)
                let cos = try outputCosine(stage, sample: 0)
                trials.append((kind, cos))
                if best == nil || cos > best!.1 { best = (c, cos) }
            }
            chosen = best?.0 ?? config
            if chosen.method == .auto { chosen.method = .max }
        }
        let stage = try QuantizedStage(floatModel: quantizationModel, statistics: statistics, config: chosen, points: points,
                                       rangeCache: rangeCache, weightCache: weightCache)
        var e = try measure(stage, config: chosen, trials: trials, isolated: isolated, hybrid: hybrid, target: target,
                            started: t0)
        e.methodName = chosen.method.rawValue
        return e
    }

    /// Evaluates a stage made elsewhere, e.g. the one an already quantized (QDQ) model defines
    /// (`ImportedQuantization.makeStage()`); its float model must be the one this analyzer runs.
    public func evaluate(imported stage: QuantizedStage, isolated: Bool = true, hybrid: Bool = true,
                         target: TargetDescription = .default) throws -> QuantEvaluation {
        var e = try measure(stage, config: stage.config, trials: [], isolated: isolated, hybrid: hybrid, target: target,
                            started: MonotonicClock.seconds())
        e.methodName = "imported"
        return e
    }

    /// Runs `stage` (and the hybrid stage built from it) on the cached evaluation samples and compares.
    private func measure(_ stage: QuantizedStage, config chosen: QuantizationConfig,
                         trials: [(CalibrationMethodKind, Double)], isolated: Bool, hybrid: Bool,
                         target: TargetDescription, started t0: Double) throws -> QuantEvaluation {
        var hybridSeconds = 0.0
        // The hybrid stage is simulated beside the quantized one; its failure is reported, not fatal.
        var hybridStage: HybridStage?
        var hybridError: String?
        var tH = MonotonicClock.seconds()
        if hybrid {
            do {
                let partition = try HybridStage.partition(floatModel: stage.model, quantized: stage, target: target)
                hybridStage = try HybridStage(floatModel: stage.model, quantized: stage, partition: partition, target: target,
                                              inputs: hybridInputs)
            } catch {
                hybridError = "\(error)"
            }
            hybridSeconds += MonotonicClock.seconds() - tH
        }
        let observer = ComparingObserver()
        let hybridVsFloat = ComparingObserver()
        let hybridVsQuantized = ComparingObserver()
        var outputs: [String: MetricsAccumulator] = [:]
        var hybridOutputs: [String: MetricsAccumulator] = [:]
        for (i, feeds) in evalFeeds.enumerated() {
            observer.reference = floatActivations[i]
            let recorder = hybridStage == nil ? nil : TensorRecorder()
            let out = try stage.run(feeds, observer: ObserverFanout([observer as ExecutionObserver] + (recorder.map { [$0] } ?? [])))
            accumulate(out, against: floatActivations[i], into: &outputs)
            guard let h = hybridStage, let recorder, hybridError == nil else { continue }
            tH = MonotonicClock.seconds()
            defer { hybridSeconds += MonotonicClock.seconds() - tH }
            hybridVsFloat.reference = floatActivations[i]
            var quantizedAll = recorder.tensors
            for (k, v) in feeds { quantizedAll[k] = v }
            hybridVsQuantized.reference = quantizedAll
            do {
                let hout = try h.run(feeds, observer: ObserverFanout([hybridVsFloat, hybridVsQuantized]))
                accumulate(hout, against: floatActivations[i], into: &hybridOutputs)
            } catch {
                hybridError = "\(error)"
            }
        }
        let tI = MonotonicClock.seconds()
        let iso = isolated ? try isolatedErrors(stage) : [:]
        var isolatedSeconds = isolated ? MonotonicClock.seconds() - tI : 0
        var e = QuantEvaluation(config: chosen, stage: stage, accumulated: observer.results, isolated: iso,
                                outputs: outputs.mapValues(\.result), seconds: 0,
                                autoTrials: trials.map { (method: $0.0, cosine: $0.1) })
        if hybridError == nil, let hybridStage {
            e.hybrid = hybridStage
            e.hybridAccumulated = hybridVsFloat.results
            e.quantizedVsHybrid = hybridVsQuantized.results
            e.hybridOutputs = hybridOutputs.mapValues(\.result)
            if isolated {
                // The hybrid pair's isolated error counts as isolated time, not as the quantized stage's.
                let tHI = MonotonicClock.seconds()
                e.hybridIsolated = try hybridIsolatedErrors(hybridStage)
                isolatedSeconds += MonotonicClock.seconds() - tHI
            }
        }
        e.hybridError = hybridError
        e.seconds = MonotonicClock.seconds() - t0
        e.timings = ["quantized_s": e.seconds - hybridSeconds - isolatedSeconds, "hybrid_s": hybridSeconds,
                     "isolated_s": isolatedSeconds]
        return e
    }

    /// The mean output cosine of `model` (an exported QDQ model, say, run as ``ComparedModel`` runs it) against
    /// the float outputs over the evaluation samples, pooled as `QuantEvaluation.outputCosine` pools the
    /// quantized stage's.
    public func outputCosine(of model: Model) throws -> Double {
        let runner = try ComparedModel(model: model, label: "exported")
        var outputs: [String: MetricsAccumulator] = [:]
        for (i, feeds) in evalFeeds.enumerated() {
            accumulate(try runner.run(feeds, observer: nil), against: floatActivations[i], into: &outputs)
        }
        return QuantEvaluation.meanCosine(outputs.mapValues(\.result))
    }

    private func accumulate(_ out: [String: Tensor], against reference: [String: Tensor],
                            into acc: inout [String: MetricsAccumulator]) {
        for (name, t) in out {
            guard case .float(let b) = t.data, case .float(let a)? = reference[name]?.data else { continue }
            acc[name, default: MetricsAccumulator()].add(reference: a, candidate: b)
        }
    }

    private func outputCosine(_ stage: QuantizedStage, sample: Int) throws -> Double {
        guard sample < evalFeeds.count else { return 0 }
        let out = try stage.run(evalFeeds[sample])
        var total = 0.0
        for (name, t) in out {
            guard case .float(let b) = t.data, case .float(let a)? = floatActivations[sample][name]?.data else { continue }
            total += TensorMetrics.compare(a, b).cosineSimilarity
        }
        return out.isEmpty ? 0 : total / Double(out.count)
    }

    /// Each integer layer of the hybrid stage run alone on the float activations of its inputs (quantized to
    /// its integer grid, as the accelerator reads them), compared with the float outputs.
    private func hybridIsolatedErrors(_ stage: HybridStage) throws -> [String: TensorMetrics] {
        let observer = ComparingObserver()
        for sample in floatActivations {
            observer.reference = sample
            try stage.runIsolated(sample, observer: observer)
        }
        return observer.results
    }

    /// Each quantized layer run alone on the float activations of its inputs, compared with its float output:
    /// the error this layer itself introduces (its weights and the rounding of its output). An input's rounding
    /// belongs to the quantized layer that produces it; inputs without one (graph inputs, outputs of float
    /// layers) are rounded as the device would see them.
    private func isolatedErrors(_ stage: QuantizedStage) throws -> [String: TensorMetrics] {
        let quantized = QuantizationPoints.quantizedOps
        var acc: [String: MetricsAccumulator] = [:]
        let params = stage.activationParams
        let layers = stage.model.graph.nodes.filter { quantized.contains($0.opType) && !stage.config.floatNodes.contains($0.name) }
        // A tensor's rounding is charged once, to the layer whose output it is: inputs such a layer produces are
        // fed exact; graph inputs and outputs of float layers are fed as the quantized stage rounds them.
        let charged = Set(layers.flatMap(\.outputs))
        for node in layers {
            var consts: [Int: Tensor] = [:]
            for (k, name) in node.inputs.enumerated() where !name.isEmpty {
                if let t = stage.model.graph.initializers[name] { consts[k] = t }
            }
            let op = try OperatorRegistry.make(BuildContext(node: node, opset: model.opset, constants: consts))
            for sample in floatActivations {
                let inputs: [Tensor?] = node.inputs.map { name in
                    if name.isEmpty { return nil }
                    if let c = stage.model.graph.initializers[name] { return c }
                    guard let t = sample[name] else { return nil }
                    if charged.contains(name) { return t }
                    return params[name].map { $0.fakeQuantized(t) } ?? t
                }
                if inputs.enumerated().contains(where: { $0.element == nil && !node.inputs[$0.offset].isEmpty }) { continue }
                let outs = try op.run(inputs)
                for (k, name) in node.outputs.enumerated() where k < outs.count && !name.isEmpty {
                    let out = params[name].map { $0.fakeQuantized(outs[k]) } ?? outs[k]
                    guard case .float(let b) = out.data, case .float(let a)? = sample[name]?.data else { continue }
                    acc[name, default: MetricsAccumulator()].add(reference: a, candidate: b)
                }
            }
        }
        return acc.mapValues(\.result)
    }

}

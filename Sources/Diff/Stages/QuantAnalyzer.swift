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
    /// Seconds to build the stage and evaluate it on the cached samples.
    public let seconds: Double
    /// For `auto`: each tried method with its output cosine on the first evaluation sample.
    public let autoTrials: [(method: CalibrationMethodKind, cosine: Double)]

    /// Mean cosine over the graph outputs.
    public var outputCosine: Double {
        outputs.isEmpty ? 1 : outputs.values.map(\.cosineSimilarity).reduce(0, +) / Double(outputs.count)
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
    /// `float_pass_s` (calibration pass), `eval_cache_s`, `stats_s`.
    public private(set) var timings: [String: Double] = [:]
    /// Ranges already computed, by method: switching back to a method re-uses them.
    public let rangeCache = RangeCache()

    /// - Parameters:
    ///   - calibration: the calibration samples.
    ///   - evaluation: the samples compared across stages (each is run once in float and cached).
    public init(model: Model, calibration: CalibrationDataset, evaluation: [[String: Tensor]],
                progress: ((String, Int, Int) -> Void)? = nil) throws {
        self.model = model
        floatExecutor = try Executor(model: model)
        var t0 = Self.now()
        let collector = CalibrationCollector()
        try CalibrationPass.run(floatExecutor, on: calibration, collector: collector) { progress?("calibrating", $0, $1) }
        timings["float_pass_s"] = Self.now() - t0
        if let bad = collector.nonFiniteTensors.first {
            throw QScopeError.usage("tensor '\(bad.name)' held \(bad.count) NaN or infinite values during calibration; "
                + "check the calibration data and preprocessing")
        }
        statistics = collector
        calibrationSamples = calibration.count
        warnings = calibration.warnings
        t0 = Self.now()
        var cache: [[String: Tensor]] = []
        for (i, feeds) in evaluation.enumerated() {
            let recorder = TensorRecorder()
            _ = try floatExecutor.run(feeds, observer: recorder)
            var all = recorder.tensors
            for (k, v) in feeds { all[k] = v }
            cache.append(all)
            progress?("evaluating float", i + 1, evaluation.count)
        }
        timings["eval_cache_s"] = Self.now() - t0
        evalFeeds = evaluation
        floatActivations = cache
    }

    /// Builds and evaluates the quantized stage for `config`; `auto` tries max, percentile 99.995 and kl and
    /// keeps the best output cosine on the first evaluation sample.
    public func evaluate(_ config: QuantizationConfig, isolated: Bool = true) throws -> QuantEvaluation {
        let t0 = Self.now()
        var chosen = config
        var trials: [(CalibrationMethodKind, Double)] = []
        let points = try QuantizationPoints(model: model, floatNodes: config.floatNodes)
        if config.method == .auto {
            var best: (QuantizationConfig, Double)?
            for (kind, pct) in [(CalibrationMethodKind.max, config.percentile), (.percentile, 99.995), (.kl, config.percentile)] {
                var c = config
                c.method = kind
                c.percentile = pct
                let stage = try QuantizedStage(floatModel: model, statistics: statistics, config: c, points: points,
                                               rangeCache: rangeCache)
                let cos = try outputCosine(stage, sample: 0)
                trials.append((kind, cos))
                if best == nil || cos > best!.1 { best = (c, cos) }
            }
            chosen = best?.0 ?? config
            if chosen.method == .auto { chosen.method = .max }
        }
        let stage = try QuantizedStage(floatModel: model, statistics: statistics, config: chosen, points: points,
                                       rangeCache: rangeCache)
        let observer = ComparingObserver()
        var outputs: [String: MetricsAccumulator] = [:]
        for (i, feeds) in evalFeeds.enumerated() {
            observer.reference = floatActivations[i]
            let out = try stage.run(feeds, observer: observer)
            for (name, t) in out {
                guard case .float(let b) = t.data, case .float(let a)? = floatActivations[i][name]?.data else { continue }
                outputs[name, default: MetricsAccumulator()].add(reference: a, candidate: b)
            }
        }
        let iso = isolated ? try isolatedErrors(stage) : [:]
        return QuantEvaluation(config: chosen, stage: stage, accumulated: observer.results, isolated: iso,
                               outputs: outputs.mapValues(\.result), seconds: Self.now() - t0,
                               autoTrials: trials.map { (method: $0.0, cosine: $0.1) })
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

    /// Each quantized layer run alone on the float activations of its inputs (quantized as the device would
    /// see them), compared with its float output: the error this layer itself introduces.
    private func isolatedErrors(_ stage: QuantizedStage) throws -> [String: TensorMetrics] {
        let quantized = QuantizationPoints.quantizedOps
        var acc: [String: MetricsAccumulator] = [:]
        let params = stage.activationParams
        for node in stage.model.graph.nodes where quantized.contains(node.opType) && !stage.config.floatNodes.contains(node.name) {
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
                    return params[name].map { fakeQuantize(t, $0) } ?? t
                }
                if inputs.enumerated().contains(where: { $0.element == nil && !node.inputs[$0.offset].isEmpty }) { continue }
                let outs = try op.run(inputs)
                for (k, name) in node.outputs.enumerated() where k < outs.count && !name.isEmpty {
                    let out = params[name].map { fakeQuantize(outs[k], $0) } ?? outs[k]
                    guard case .float(let b) = out.data, case .float(let a)? = sample[name]?.data else { continue }
                    acc[name, default: MetricsAccumulator()].add(reference: a, candidate: b)
                }
            }
        }
        return acc.mapValues(\.result)
    }

    private func fakeQuantize(_ t: Tensor, _ p: QuantParams) -> Tensor {
        guard case .float(let v) = t.data else { return t }
        return Tensor(shape: t.shape, floats: v.map { p.fakeQuantize($0) })
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

import Diff
import Engine
import Foundation

/// The summary `qscope analyze` prints before the layer table: samples, timings and each method's output cosine.
enum AnalyzeText {
    static func render(session: AnalysisSession, evaluations: [QuantEvaluation], config: AnalysisConfig) -> String {
        let a = session.analyzer
        var s = "model: \(session.model.path)\n"
        s += "calibration samples: \(a.calibrationSamples), evaluation samples: \(a.evalFeeds.count)\n"
        for (input, p) in session.data.preprocess.sorted(by: { $0.key < $1.key }) {
            s += "preprocess \(input): \(p.summary)\n"
        }
        s += String(format: "float pass %.3f s, evaluation cache %.3f s\n", a.timings["float_pass_s"] ?? 0, a.timings["eval_cache_s"] ?? 0)
        if let err = a.optimizedError { s += "optimized stage failed: \(err)\n" }
        else { s += "optimized float: output cosine \(String(format: "%.6f", QuantEvaluation.meanCosine(a.optimizedOutputs)))\n" }
        for e in evaluations { if let err = e.hybridError { s += "hybrid stage failed (\(e.methodName)): \(err)\n" } }
        if let h = evaluations.lazy.compactMap(\.hybrid).first {
            for feed in h.inputFeeds { s += "hybrid input \(feed.tensor): \(feed)\n" }
        }
        for e in evaluations {
            var line = String(format: "method %-10@ output cosine float/quantized %.6f, float/hybrid %@  (%.3f s: quantized %.3f, hybrid %.3f, isolated %.3f)",
                              e.methodName as NSString, e.outputCosine,
                              e.hybridOutputCosine.map { String(format: "%.6f", $0) } ?? "–", e.seconds,
                              e.timings["quantized_s"] ?? 0, e.timings["hybrid_s"] ?? 0, e.timings["isolated_s"] ?? 0)
            if !e.autoTrials.isEmpty {
                line += "  auto tried " + e.autoTrials.map { String(format: "%@ %.6f", $0.method.rawValue, $0.cosine) }.joined(separator: ", ")
            }
            s += line + "\n"
        }
        return s
    }
}

/// The JSON of `qscope analyze --json`: the optimized-float stage's output drift; per method the ranges and
/// scales of every quantized tensor, the output cosine, and the hybrid stage (output drift and partition); plus
/// timings.
enum AnalyzeJSON {
    static func number(_ x: Double) -> Any { x.isFinite ? x : (x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf")) }

    static func encode(session: AnalysisSession, evaluations: [QuantEvaluation], config: AnalysisConfig) throws -> Data {
        var methods: [String: Any] = [:]
        var recompute: [String: Any] = [:]
        // The parts of each method's recompute time, each as method -> seconds like `recompute_s`.
        var parts: [String: [String: Any]] = ["quantized_s": [:], "hybrid_s": [:], "isolated_s": [:]]
        for e in evaluations {
            var tensors: [String: Any] = [:]
            for (name, p) in e.stage.activationParams {
                let r = e.stage.ranges[name]
                tensors[name] = ["min": number(Double(r?.min ?? 0)), "max": number(Double(r?.max ?? 0)),
                                 "scale": number(Double(p.scale)), "zero_point": Int(p.zeroPoint)]
            }
            methods[e.methodName] = [
                "tensors": tensors,
                "output_cosine": number(e.outputCosine),
                "outputs": metrics(e.outputs),
                "auto_trials": e.autoTrials.map { ["method": $0.method.rawValue, "cosine": number($0.cosine)] },
                "hybrid": hybrid(e),
            ]
            recompute[e.methodName] = e.seconds
            for key in parts.keys { parts[key]![e.methodName] = e.timings[key] ?? 0 }
        }
        let a = session.analyzer
        // How the hybrid stage is fed, by graph input (from the first evaluation with a hybrid stage).
        var hybridInput: [String: Any] = [:]
        for feed in evaluations.lazy.compactMap(\.hybrid).first?.inputFeeds ?? [] {
            var entry: [String: Any] = ["tensor": feed.tensor, "description": feed.description]
            switch feed.kind {
            case let .pixels(conv, zp):
                entry["feed"] = "uint8_pixels"
                entry["folded_into"] = conv
                entry["zero_point"] = Int(zp)
            case .quantizedFloat(let reason):
                entry["feed"] = "quantized_float"
                entry["reason"] = reason
            }
            hybridInput[feed.tensor] = entry
        }
        var timings: [String: Any] = ["float_pass_s": a.timings["float_pass_s"] ?? 0, "eval_cache_s": a.timings["eval_cache_s"] ?? 0,
                                      "optimize_s": a.timings["optimize_s"] ?? 0, "stats_s": a.timings["stats_s"] ?? 0,
                                      "recompute_s": recompute]
        for (key, value) in parts { timings[key] = value }
        var optimized: [String: Any] = ["output_cosine": number(QuantEvaluation.meanCosine(a.optimizedOutputs)),
                                        "outputs": metrics(a.optimizedOutputs)]
        if let err = a.optimizedError { optimized = ["error": err] }
        let root: [String: Any] = [
            "model": session.model.path,
            "optimized": optimized,
            "calibration_samples": a.calibrationSamples,
            "evaluation_samples": a.evalFeeds.count,
            "per_channel": config.quantization.perChannel,
            "activation": config.quantization.activationScheme.rawValue,
            "methods": methods,
            "hybrid_input": hybridInput,
            "timings": timings,
        ]
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .prettyPrinted])
    }

    private static func metrics(_ m: [String: TensorMetrics]) -> [String: Any] {
        m.mapValues { ["cosine": number($0.cosineSimilarity), "sqnr_db": number($0.sqnrDB)] }
    }

    /// The simulated-hybrid stage of one method: its output drift against float and against the quantized
    /// stage, and the partition (every node's placement, with the reason for each CPU node).
    private static func hybrid(_ e: QuantEvaluation) -> [String: Any] {
        guard let stage = e.hybrid else { return ["error": e.hybridError ?? "not computed"] }
        let vsQuantized = e.quantizedVsHybrid.filter { e.hybridOutputs[$0.key] != nil }
        var partition: [String: Any] = [:]
        for (node, place) in stage.partition.placement {
            var entry: [String: Any] = ["placement": place.rawValue]
            if let reason = stage.partition.reasons[node] { entry["reason"] = reason }
            partition[node] = entry
        }
        return [
            "output_cosine": number(QuantEvaluation.meanCosine(e.hybridOutputs)),
            "outputs": metrics(e.hybridOutputs),
            "quantized_output_cosine": number(QuantEvaluation.meanCosine(vsQuantized)),
            "quantized_outputs": metrics(vsQuantized),
            "partition": partition,
        ]
    }
}

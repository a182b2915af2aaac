import Engine

/// Turns an analyzer's float run and one evaluated quantized stage into an `AnalysisReport`: one record per
/// node in execution order, with float/quantized metrics (accumulated and isolated) and the ranking.
public enum ReportBuilder {
    public static func build(analyzer: QuantAnalyzer, evaluation: QuantEvaluation, config: AnalysisConfig,
                             modelPath: String) throws -> AnalysisReport {
        let plan = analyzer.floatExecutor.plan
        var layerOf: [String: Int] = [:]
        for (i, n) in plan.enumerated() { for o in n.outputs { layerOf[o] = i } }
        let sample = analyzer.floatActivations.first ?? [:]
        var records: [LayerRecord] = []
        for (i, node) in plan.enumerated() {
            guard let out = node.outputs.first(where: { !$0.isEmpty }) else { continue }
            var quant: QuantizationInfo?
            if let p = evaluation.stage.activationParams[out], let r = evaluation.stage.ranges[out] {
                quant = QuantizationInfo(scale: Double(p.scale), zeroPoint: Int(p.zeroPoint), rangeMin: Double(r.min),
                                         rangeMax: Double(r.max), method: evaluation.config.method.rawValue)
            }
            var record = LayerRecord(index: i, nodeName: node.name, opType: node.opType, outputTensor: out,
                                     outputShape: sample[out]?.shape ?? [],
                                     inputLayers: Array(Set(node.inputs.compactMap { layerOf[$0] })).sorted(),
                                     quantization: quant)
            if let m = evaluation.accumulated[out] { record.accumulated[.floatQuantized] = m }
            if let m = evaluation.isolated[out] { record.isolated[.floatQuantized] = m }
            records.append(record)
        }
        let thresholds = try SeverityThresholds(warn: config.warnThreshold, fail: config.failThreshold)
        let suspicion = SuspicionConfig(thresholds: thresholds, dropDelta: config.dropDelta, pair: .floatQuantized)
        let q = evaluation.config
        let entries = [
            ConfigEntry("calibration_type", q.method.rawValue),
            ConfigEntry("per_channel", String(q.perChannel)),
            ConfigEntry("activation", q.activationScheme == .int8Symmetric ? "int8" : "uint8"),
            ConfigEntry("max_percentile", String(q.percentile)),
            ConfigEntry("run_on_cpu", q.floatNodes.sorted().joined(separator: ";")),
            ConfigEntry("calibration_samples", String(analyzer.calibrationSamples)),
            ConfigEntry("evaluation_samples", String(analyzer.evalFeeds.count)),
        ]
        var timings = analyzer.timings
        timings["recompute_s"] = evaluation.seconds
        return AnalysisReport(
            modelPath: modelPath, config: entries,
            stages: [.float: .ready, .quantized: .ready, .optimized: .notComputed, .hybrid: .notComputed],
            layers: records, suspicious: SuspicionRanking.rank(records, config: suspicion),
            outputs: evaluation.outputs.sorted { $0.key < $1.key }.map {
                OutputComparison(name: $0.key, pair: .floatQuantized, metrics: $0.value)
            },
            timings: timings, suspicionConfig: suspicion)
    }
}

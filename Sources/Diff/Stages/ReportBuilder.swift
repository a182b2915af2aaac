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
                                         rangeMax: Double(r.max), method: evaluation.methodName)
            }
            var record = LayerRecord(index: i, nodeName: node.name, opType: node.opType, outputTensor: out,
                                     outputShape: sample[out]?.shape ?? [],
                                     inputLayers: Array(Set(node.inputs.compactMap { layerOf[$0] })).sorted(),
                                     quantization: quant)
            if let m = evaluation.accumulated[out] { record.accumulated[.floatQuantized] = m }
            if let m = evaluation.isolated[out] { record.isolated[.floatQuantized] = m }
            if let m = analyzer.optimizedMetrics[out] { record.accumulated[.floatOptimized] = m }
            if let m = evaluation.hybridAccumulated[out] { record.accumulated[.floatHybrid] = m }
            if let m = evaluation.hybridIsolated[out] { record.isolated[.floatHybrid] = m }
            if let m = evaluation.quantizedVsHybrid[out] { record.accumulated[.quantizedHybrid] = m }
            if let h = evaluation.hybrid {
                // Nodes removed by the passes have no placement of their own.
                if let p = h.partition.placement[node.name] {
                    record.placement = p == .accelerator ? .acc : .cpu
                    record.placementReason = h.partition.reasons[node.name]
                }
            }
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
            // The preprocessing that made each image input (resize, crop, colour, norm_type with its values).
            + analyzer.hybridInputs.preprocess.sorted { $0.key < $1.key }
                .map { ConfigEntry("preprocess", "\($0.key): \($0.value.summary)") }
            + (evaluation.hybrid.map { [ConfigEntry("target", $0.target.name)] } ?? [])
            // How the hybrid stage is fed each input: uint8 pixels with the normalization folded, or not and why.
            + (evaluation.hybrid?.inputFeeds ?? []).map { ConfigEntry("hybrid_input", "\($0.tensor): \($0)") }
        var timings = analyzer.timings
        timings["recompute_s"] = evaluation.seconds
        return AnalysisReport(
            modelPath: modelPath, config: entries,
            stages: [.float: .ready, .quantized: .ready,
                     .optimized: analyzer.optimizedError.map { .failed($0) } ?? (analyzer.optimized == nil ? .notComputed : .ready),
                     .hybrid: evaluation.hybridError.map { .failed($0) } ?? (evaluation.hybrid == nil ? .notComputed : .ready)],
            layers: records, suspicious: SuspicionRanking.rankDefaultPairs(records, config: suspicion),
            outputs: outputComparisons(analyzer: analyzer, evaluation: evaluation),
            timings: timings, suspicionConfig: suspicion)
    }

    static func outputComparisons(analyzer: QuantAnalyzer, evaluation: QuantEvaluation) -> [OutputComparison] {
        var out: [OutputComparison] = []
        let pairs: [(StagePair, [String: TensorMetrics])] = [(.floatOptimized, analyzer.optimizedOutputs),
                                                             (.floatQuantized, evaluation.outputs),
                                                             (.floatHybrid, evaluation.hybridOutputs)]
        for (pair, metrics) in pairs {
            out += metrics.sorted { $0.key < $1.key }.map { OutputComparison(name: $0.key, pair: pair, metrics: $0.value) }
        }
        return out
    }
}

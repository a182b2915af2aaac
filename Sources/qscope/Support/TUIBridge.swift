import Diff
import Engine
import Foundation
import TUI

/// Fills the TUI's layer view models from an evaluated quantized stage.
enum TUIBridge {
    static func method(_ m: TUI.CalibrationMethod) -> CalibrationMethodKind { CalibrationMethodKind(rawValue: m.rawValue) ?? .max }
    static func method(_ m: CalibrationMethodKind) -> TUI.CalibrationMethod { TUI.CalibrationMethod(rawValue: m.rawValue) ?? .max }

    /// The layers with float/quantized metrics, quantization parameters, histograms and the ranking's verdict.
    static func layers(_ base: [LayerInfo], analyzer: QuantAnalyzer, evaluation: QuantEvaluation,
                       report: AnalysisReport) -> [LayerInfo] {
        let pair = TUI.StagePair(.float, .quantized)
        let weights = Dictionary(evaluation.stage.weights.map { ($0.node, $0) }, uniquingKeysWith: { a, _ in a })
        let layers = base.map { layer in
            var l = layer
            guard let out = l.outputs.first(where: { !$0.isEmpty }) else { return l }
            var m = LayerPairMetrics()
            m.accumulated = evaluation.accumulated[out].map(MetricValues.init)
            m.isolated = evaluation.isolated[out].map(MetricValues.init)
            if m.accumulated != nil { l.metrics[pair] = m } else { l.metrics[pair] = nil }
            let others: [(TUI.StagePair, TensorMetrics?, TensorMetrics?)] = [
                (TUI.StagePair(.float, .optimized), analyzer.optimizedMetrics[out], nil),
                (TUI.StagePair(.quantized, .hybrid), evaluation.quantizedVsHybrid[out], nil),
                (TUI.StagePair(.float, .hybrid), evaluation.hybridAccumulated[out], evaluation.hybridIsolated[out]),
            ]
            for (p, metrics, isolated) in others {
                l.metrics[p] = metrics.map { LayerPairMetrics(accumulated: MetricValues($0), isolated: isolated.map(MetricValues.init)) }
            }
            if let h = evaluation.hybrid, let placement = h.partition.placement[l.name] {
                l.placement = placement == .accelerator ? .acc : .cpu
                l.placementNote = h.partition.reasons[l.name]
                    ?? h.inputFeeds.first { $0.foldedInto == l.name }.map { "input \($0.tensor): \($0.description)" }
            } else {
                l.placement = evaluation.config.floatNodes.contains(l.name) ? .cpu : nil
                if evaluation.hybrid != nil && l.placement == nil {
                    l.placementNote = "the optimized and hybrid graphs have no node of this name: the graph passes "
                        + "folded it into a neighbouring layer or removed it (qscope passes lists what they did)"
                }
            }
            if let p = evaluation.stage.activationParams[out], let r = evaluation.stage.ranges[out] {
                l.quant = TUI.QuantParams(outputScale: Double(p.scale), outputZeroPoint: Int(p.zeroPoint),
                                          range: Double(min(r.min, 0))...Double(max(r.max, 0)),
                                          weightScales: weights[l.name]?.scales.map(Double.init) ?? [])
            } else {
                l.quant = nil
            }
            if let stats = analyzer.statistics.statistics[out] {
                l.histogram = histogram(stats.signedHistogram, clip: evaluation.stage.ranges[out],
                                        step: evaluation.stage.activationParams[out].map { Double($0.scale) })
            }
            return l
        }
        return ReportVerdicts.apply(report, to: layers)
    }

    /// The signed histogram merged down to 128 columns.
    static func histogram(_ h: Engine.Histogram, clip: CalibrationRange?, step: Double?) -> TUI.Histogram? {
        guard h.total > 0, h.limit > 0 else { return nil }
        let columns = 128
        let per = max(1, h.binCount / columns)
        var counts: [Int] = []
        var i = 0
        while i < h.binCount {
            counts.append(Int(h.counts[i..<min(i + per, h.binCount)].reduce(0, +)))
            i += per
        }
        return TUI.Histogram(lower: Double(h.lowerLimit), upper: Double(h.limit), counts: counts,
                             clip: clip.map { Double($0.min)...Double($0.max) }, step: step)
    }
}

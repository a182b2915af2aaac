import Diff

/// The suspicious marks of the layer list, taken from an analysis report: for each compared pair, the layers
/// ``AnalysisReport/ranking(for:)`` lists for that pair, so the TUI flags what `qscope analyze` flags.
public enum ReportVerdicts {
    /// The TUI's mark for one ranked entry: a drop point when the layer introduces error, else fail, else warn
    /// (a layer that only inherits or amplifies error upstream).
    public static func suspicion(_ entry: SuspiciousLayer) -> Suspicion {
        if entry.isIntroduced { return .dropPoint }
        return entry.kinds.contains(.fail) ? .fail : .warn
    }

    /// The report's name for a compared pair, nil for a pair the report has no name for.
    public static func reportPair(_ pair: StagePair) -> Diff.StagePair? {
        Diff.StagePair.allCases.first {
            $0.reference.rawValue == pair.reference.label && $0.candidate.rawValue == pair.candidate.label
        }
    }

    /// `layers` with the report's verdict in the metrics of every pair they have: the layer's entry in that
    /// pair's ranking, or none (``LayerPairMetrics/ranked`` set either way). A layer is matched to the report's
    /// record of its first output tensor; a layer without a record keeps its metrics as they are.
    public static func apply(_ report: AnalysisReport, to layers: [LayerInfo]) -> [LayerInfo] {
        let recordOf = Dictionary(report.layers.map { ($0.outputTensor, $0.index) }, uniquingKeysWith: { a, _ in a })
        var rankings: [StagePair: [Int: Suspicion]] = [:]
        for pair in Set(layers.flatMap(\.metrics.keys)) {
            guard let reportPair = reportPair(pair) else { continue }
            rankings[pair] = Dictionary(report.ranking(for: reportPair).map { ($0.layerIndex, suspicion($0)) },
                                        uniquingKeysWith: { a, _ in a })
        }
        return layers.map { layer in
            guard let output = layer.outputs.first(where: { !$0.isEmpty }), let record = recordOf[output] else {
                return layer
            }
            var l = layer
            for (pair, verdicts) in rankings where l.metrics[pair] != nil {
                l.metrics[pair]?.suspicion = verdicts[record]
                l.metrics[pair]?.ranked = true
            }
            return l
        }
    }
}

extension MetricValues {
    /// The values the panes show of a comparison from the Diff module.
    public init(_ metrics: TensorMetrics) {
        self.init(cosine: metrics.cosineSimilarity, relativeL2: metrics.relativeDistance,
                  maxAbsError: metrics.maxAbsError, mse: metrics.meanSquaredError, sqnrDB: metrics.sqnrDB)
    }
}

import Diff

/// The suspicious marks of the layer list, taken from an analysis report's ranking.
public enum ReportVerdicts {
    /// The TUI's mark for one ranked entry: a drop point when the layer introduces error, else fail or warn.
    public static func suspicion(_ entry: SuspiciousLayer) -> Suspicion? {
        if entry.isIntroduced { return .dropPoint }
        if entry.kinds.contains(.fail) { return .fail }
        if entry.kinds.contains(.warn) { return .warn }
        return nil
    }

    /// `layers` with the ranking's verdict in their float/quantized metrics.
    public static func apply(_ report: AnalysisReport, to layers: [LayerInfo]) -> [LayerInfo] {
        var verdict: [String: Suspicion] = [:]
        for entry in report.suspicious { if let v = suspicion(entry) { verdict[entry.nodeName] = v } }
        let pair = StagePair(.float, .quantized)
        return layers.map { layer in
            var l = layer
            l.metrics[pair]?.suspicion = verdict[l.name]
            return l
        }
    }
}

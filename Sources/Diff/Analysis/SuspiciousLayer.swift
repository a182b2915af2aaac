/// Why a layer is listed as suspicious. A layer can have several kinds.
public enum SuspicionKind: String, CaseIterable, Sendable, Comparable {
    /// Accumulated cosine below the warn threshold (but not below fail).
    case warn
    /// Accumulated cosine below the fail threshold (or an unusable comparison, see ``SeverityThresholds``).
    case fail
    /// Accumulated cosine falls by at least the drop delta below the lowest cosine of the layer's inputs:
    /// the error is introduced here.
    case dropPoint = "drop"
    /// The layer alone (fed with reference inputs) loses accuracy: isolated cosine below the warn threshold.
    case highIsolatedError = "isolated"

    public static func < (lhs: SuspicionKind, rhs: SuspicionKind) -> Bool { lhs.order < rhs.order }

    private var order: Int { SuspicionKind.allCases.firstIndex(of: self) ?? 0 }
}

/// One ranked suspicious layer for one stage pair.
public struct SuspiciousLayer: Equatable, Sendable {
    /// 1-based position in the ranking of its pair.
    public var rank: Int
    /// The compared stages.
    public var pair: StagePair
    /// The layer's ``LayerRecord/index``.
    public var layerIndex: Int
    /// The layer's node name.
    public var nodeName: String
    /// The layer's operator type.
    public var opType: String
    /// Every reason it is listed, sorted.
    public var kinds: [SuspicionKind]
    /// Severity of the accumulated comparison.
    public var severity: Severity
    /// Accumulated cosine similarity.
    public var cosine: Double
    /// The lowest accumulated cosine among its input layers (1 when it only reads graph inputs).
    public var inputsCosine: Double
    /// `inputsCosine − cosine`: how much this layer lowers the cosine (negative when it recovers).
    public var drop: Double
    /// Isolated cosine similarity, when measured.
    public var isolatedCosine: Double?
    /// For a layer that is below threshold without introducing the error: the index of the upstream drop point
    /// (or high-isolated-error layer) it descends from, when there is one.
    public var inheritedFrom: Int?
    /// Node name of ``inheritedFrom``.
    public var inheritedFromName: String?
    /// The numbers in words, e.g. "cosine 0.912 (below 0.99); drops 0.071 from its inputs' 0.983; isolated
    /// cosine 0.915".
    public var reason: String

    /// True when the layer introduces error itself, false when it only inherits (or amplifies) error from upstream.
    /// ``SuspicionRanking`` decides: a high isolated error introduces; a drop point introduces unless the layer's
    /// own isolated error is small and an upstream layer introduced the error it amplifies.
    public var isIntroduced: Bool

    /// A short mark for tables: "v" for introduced error, then "X" for fail or "!" for warn.
    public var mark: String {
        (isIntroduced ? "v" : "") + (kinds.contains(.fail) ? "X" : kinds.contains(.warn) ? "!" : "")
    }

    /// The kinds as text, e.g. "drop+isolated+fail", or "inherited" for a layer without its own error.
    public var kindsText: String {
        let own = kinds.map(\.rawValue)
        return isIntroduced ? own.joined(separator: "+") : (["inherited"] + own).joined(separator: "+")
    }

    /// Records one entry; usually built by ``SuspicionRanking``.
    public init(rank: Int, pair: StagePair, layerIndex: Int, nodeName: String, opType: String,
                kinds: [SuspicionKind], severity: Severity, cosine: Double, inputsCosine: Double, drop: Double,
                isolatedCosine: Double?, inheritedFrom: Int?, inheritedFromName: String?, reason: String,
                introduced: Bool? = nil) {
        self.rank = rank
        self.pair = pair
        self.layerIndex = layerIndex
        self.nodeName = nodeName
        self.opType = opType
        self.kinds = kinds
        self.severity = severity
        self.cosine = cosine
        self.inputsCosine = inputsCosine
        self.drop = drop
        self.isolatedCosine = isolatedCosine
        self.inheritedFrom = inheritedFrom
        self.inheritedFromName = inheritedFromName
        self.reason = reason
        isIntroduced = introduced ?? (kinds.contains(.dropPoint) || kinds.contains(.highIsolatedError))
    }
}

import Engine

/// How bad a comparison looks, ordered from best to worst.
public enum Severity: Int, Comparable, CaseIterable, Sendable, CustomStringConvertible {
    /// Cosine at or above the warn threshold.
    case ok
    /// Cosine below the warn threshold but at or above the fail threshold.
    case warn
    /// Cosine below the fail threshold (or no usable comparison, see ``SeverityThresholds/classify(_:)``).
    case fail

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

    /// "ok", "warn" or "fail".
    public var description: String {
        switch self {
        case .ok: return "ok"
        case .warn: return "warn"
        case .fail: return "fail"
        }
    }
}

/// Cosine-similarity thresholds that classify a comparison as ok / warn / fail.
public struct SeverityThresholds: Equatable, Sendable {
    /// Below this cosine a tensor is at least `warn` (default 0.99).
    public let warn: Double
    /// Below this cosine a tensor is `fail` (default 0.8).
    public let fail: Double

    /// The defaults: warn below 0.99, fail below 0.8.
    public static let standard = SeverityThresholds(uncheckedWarn: 0.99, fail: 0.8)

    /// Thresholds from user values. Throws ``QScopeError/usage(_:)`` unless −1 ≤ fail ≤ warn ≤ 1.
    public init(warn: Double = 0.99, fail: Double = 0.8) throws {
        guard warn.isFinite, fail.isFinite, -1 <= fail, fail <= warn, warn <= 1 else {
            throw QScopeError.usage("cosine thresholds must satisfy -1 <= fail <= warn <= 1; got warn \(warn), "
                + "fail \(fail)")
        }
        self.init(uncheckedWarn: warn, fail: fail)
    }

    private init(uncheckedWarn warn: Double, fail: Double) {
        self.warn = warn
        self.fail = fail
    }

    /// ok when `cosine >= warn`, warn when `fail <= cosine < warn`, fail when `cosine < fail`.
    /// A NaN cosine (never produced by ``TensorMetrics``) is `fail`.
    public func classify(cosine: Double) -> Severity {
        if cosine >= warn { return .ok }
        if cosine >= fail { return .warn }
        return .fail
    }

    /// Classifies a comparison by its cosine, except that it is `fail` when the lengths differed or when the
    /// candidate holds more NaN/∞ values than the reference (those are excluded from the cosine, so an
    /// all-NaN candidate would otherwise look perfect).
    public func classify(_ metrics: TensorMetrics) -> Severity {
        if metrics.lengthMismatch != nil { return .fail }
        if metrics.candidateNonFinite.total > metrics.referenceNonFinite.total { return .fail }
        return classify(cosine: metrics.cosineSimilarity)
    }
}

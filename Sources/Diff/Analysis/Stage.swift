/// One of the four ways qscope runs a model.
public enum Stage: String, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    /// The original float model, the reference.
    case float
    /// The float model after graph optimizations (fusions, constant folding).
    case optimized
    /// The int8 model, every layer quantized.
    case quantized
    /// The int8 model with some layers kept in float on the CPU.
    case hybrid

    /// The name used in reports, logs and file headers: "float", "optimized", "quantized", "hybrid".
    public var displayName: String { rawValue }

    public var description: String { displayName }

    public static func < (lhs: Stage, rhs: Stage) -> Bool { lhs.order < rhs.order }

    private var order: Int { Stage.allCases.firstIndex(of: self) ?? 0 }
}

/// Two stages compared tensor by tensor: a reference and a candidate.
public enum StagePair: String, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    /// What the graph optimizations alone change.
    case floatOptimized = "float/optimized"
    /// What full int8 quantization changes.
    case floatQuantized = "float/quantized"
    /// What the hybrid (partly float) model still loses.
    case floatHybrid = "float/hybrid"
    /// What keeping layers in float recovers.
    case quantizedHybrid = "quantized/hybrid"

    /// Stable short id, e.g. "float/quantized"; used as a key in JSON and in the CSV `Pair` column.
    public var id: String { rawValue }

    /// The pair with this ``id``, or nil.
    public init?(id: String) { self.init(rawValue: id) }

    /// The reference side (side A).
    public var reference: Stage {
        switch self {
        case .floatOptimized, .floatQuantized, .floatHybrid: return .float
        case .quantizedHybrid: return .quantized
        }
    }

    /// The candidate side (side B).
    public var candidate: Stage {
        switch self {
        case .floatOptimized: return .optimized
        case .floatQuantized: return .quantized
        case .floatHybrid, .quantizedHybrid: return .hybrid
        }
    }

    public var description: String { id }

    public static func < (lhs: StagePair, rhs: StagePair) -> Bool { lhs.order < rhs.order }

    private var order: Int { StagePair.allCases.firstIndex(of: self) ?? 0 }
}

/// Whether a stage produced results.
public enum StageStatus: Equatable, Sendable {
    /// The stage ran; its tensors are in the report.
    case ready
    /// The stage was attempted and failed, with the reason shown to the user.
    case failed(String)
    /// The stage was not requested or could not start (e.g. no calibration data).
    case notComputed

    /// "ready", "failed" or "not-computed".
    public var name: String {
        switch self {
        case .ready: return "ready"
        case .failed: return "failed"
        case .notComputed: return "not-computed"
        }
    }

    /// The failure reason, when failed.
    public var reason: String? {
        if case let .failed(reason) = self { return reason }
        return nil
    }
}

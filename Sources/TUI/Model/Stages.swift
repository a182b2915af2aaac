/// The four models of the conversion chain that qscope compares.
public enum Stage: Int, CaseIterable, Sendable, Hashable {
    case float, optimized, quantized, hybrid

    /// Short label used in the header and the detail pane.
    public var label: String {
        switch self {
        case .float: return "float"
        case .optimized: return "optimized"
        case .quantized: return "quantized"
        case .hybrid: return "hybrid"
        }
    }
}

/// Two stages whose tensors are compared, e.g. float against quantized.
public struct StagePair: Hashable, Sendable {
    public var reference: Stage
    public var candidate: Stage
    public init(_ reference: Stage, _ candidate: Stage) {
        self.reference = reference
        self.candidate = candidate
    }

    /// The pairs behind keys 1-4, in that order.
    public static let standard: [StagePair] = [
        StagePair(.float, .optimized), StagePair(.float, .quantized),
        StagePair(.quantized, .hybrid), StagePair(.float, .hybrid),
    ]

    public func label(arrow: String) -> String { "\(reference.label) \(arrow) \(candidate.label)" }
}

/// Where a stage's computation is.
public enum StageStatus: Equatable, Sendable {
    case pending
    /// `progress` in 0...1, `note` says what is being done (e.g. "calibrating 37/100").
    case computing(progress: Double, note: String)
    case ready
    case failed(reason: String)
    /// Stopped by the user (Esc) before it finished.
    case cancelled

    /// Whether the stage is being computed or waits for a computation to reach it.
    public var isUnderway: Bool {
        switch self {
        case .pending, .computing: return true
        case .ready, .failed, .cancelled: return false
        }
    }
}

/// The calibration methods the `c` key cycles through, in cycle order.
public enum CalibrationMethod: String, CaseIterable, Sendable {
    case max, kl, percentile, mse, auto

    /// The method after this one, wrapping around.
    public var next: CalibrationMethod {
        let all = Self.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// Facts about the session shown in the header.
public struct SessionInfo: Equatable, Sendable {
    public var modelName: String
    public var inputShape: String
    public var calibration: CalibrationMethod
    /// Method options as text, e.g. "percentile=99.99", or "" when none.
    public var calibrationOptions: String
    public var perChannel: Bool
    public var calibrationSamples: Int?
    public var evalSamples: Int?

    public init(modelName: String, inputShape: String, calibration: CalibrationMethod = .max,
                calibrationOptions: String = "", perChannel: Bool = true,
                calibrationSamples: Int? = nil, evalSamples: Int? = nil) {
        self.modelName = modelName
        self.inputShape = inputShape
        self.calibration = calibration
        self.calibrationOptions = calibrationOptions
        self.perChannel = perChannel
        self.calibrationSamples = calibrationSamples
        self.evalSamples = evalSamples
    }
}

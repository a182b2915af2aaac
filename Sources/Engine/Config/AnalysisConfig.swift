/// Everything a user configures about an analysis: preprocessing, data, calibration and thresholds. Read from
/// a YAML file (`ConfigFile`) and overridden by command-line flags.
public struct AnalysisConfig: Equatable {
    public var preprocess = PreprocessConfig()
    /// Whether any preprocessing key was given (otherwise images get no normalization and a warning).
    public var preprocessGiven = false
    /// Whether `norm_type` was given. Without it, norm_type follows `mean_value` and `scale_value`
    /// (`NormType.implied`); with it, a given value that norm_type ignores is an error.
    public var normTypeGiven = false
    public var calDataDir: String?
    public var evalDataDir: String?
    public var quantization = QuantizationConfig()
    /// Concrete shapes for inputs with dynamic dimensions.
    public var inputShapes: [String: [Int]] = [:]
    /// At most this many calibration samples are used (all when nil).
    public var calSamples: Int?
    /// At most this many evaluation samples are compared (default 8).
    public var evalSamples = 8
    /// Cosine below this is a warning (default 0.99).
    public var warnThreshold = 0.99
    /// Cosine below this means quantization failed (default 0.8).
    public var failThreshold = 0.8
    /// A layer whose cosine falls this much below its inputs' is a drop point (default 0.01).
    public var dropDelta = 0.01
    /// A target description file for the hybrid stage (`target`); nil means the built-in generic NPU.
    public var targetPath: String?
    /// Feed image inputs to the hybrid stage as uint8 pixels with the mean/scale folded into the first Conv,
    /// as devices do (`fold_input_norm`, default true).
    public var foldInputNormalization = true

    /// What the hybrid stage needs to feed `data`'s image inputs as pixels.
    public func hybridInputs(_ data: AnalysisData) -> HybridInputOptions {
        HybridInputOptions(preprocess: data.preprocess, fold: foldInputNormalization)
    }

    /// The hybrid stage's target: the file named by `targetPath`, or the built-in generic int8 NPU.
    public func loadTarget() throws -> TargetDescription {
        try targetPath.map { try TargetDescription.load(path: $0) } ?? .default
    }

    /// Fails when `run_on_cpu`, `calibration_overrides` or the target's `run_on_cpu` name a node that none of
    /// `graphs` has (see `NodeNameCheck`).
    public func checkNodeNames(target: TargetDescription, graphs: [Graph]) throws {
        try NodeNameCheck.check(self, target: target, targetSource: targetPath ?? "\(target.name) (built in)",
                                graphs: graphs)
    }

    public init() {}
}

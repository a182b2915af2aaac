/// The choices that define a quantized stage. Changing any of them re-uses the collected statistics.
public struct QuantizationConfig: Equatable, Sendable {
    /// The calibration method for activations (`auto` must be resolved before building a stage).
    public var method: CalibrationMethodKind = .max
    /// Per-node method overrides, by node name: the node's output tensors use that method.
    public var methodOverrides: [String: CalibrationMethodKind] = [:]
    /// The percentile for `percentile` (default 99.99).
    public var percentile: Double = PercentileCalibration.defaultPercentile
    /// Weights per output channel (default) or one scale per tensor.
    public var perChannel = true
    /// Activations as int8 symmetric or uint8 asymmetric.
    public var activationScheme: QuantScheme = .int8Symmetric
    /// Nodes kept in float (`run_on_cpu`).
    public var floatNodes: Set<String> = []
    /// Activation ranges given by hand, by tensor name: used instead of the calibrated range of that tensor
    /// (to try a range, or to break one layer on purpose in a test).
    public var rangeOverrides: [String: CalibrationRange] = [:]

    public init() {}
}

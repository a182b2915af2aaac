/// Where the hybrid model runs a layer.
public enum Placement: String, CaseIterable, Sendable {
    /// On the int8 accelerator path.
    case acc
    /// Kept in float on the CPU.
    case cpu

    /// "ACC" or "CPU", as in the `ON` column of converter logs.
    public var label: String { rawValue.uppercased() }
}

/// How a layer's output is quantized.
public struct QuantizationInfo: Equatable, Sendable {
    /// The quantization step: real value = scale · (q − zeroPoint).
    public var scale: Double
    /// The integer that represents real zero.
    public var zeroPoint: Int
    /// Lower end of the calibrated range.
    public var rangeMin: Double
    /// Upper end of the calibrated range.
    public var rangeMax: Double
    /// The calibration method that chose the range, e.g. "minmax", "kl", "percentile".
    public var method: String

    /// Records the parameters.
    public init(scale: Double, zeroPoint: Int, rangeMin: Double, rangeMax: Double, method: String) {
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.rangeMin = rangeMin
        self.rangeMax = rangeMax
        self.method = method
    }
}

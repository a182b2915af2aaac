/// The observed extremes: `[min, max]` asymmetric, or `[-absMax, absMax]` symmetric. Never clips, so one
/// outlier stretches the range for every other value.
public struct MaxCalibration: CalibrationMethod {
    public init() {}
    public var name: String { "max" }

    public func range(for stats: TensorStatistics, symmetric: Bool) throws -> CalibrationRange {
        guard stats.count > 0 else { return CalibrationRange(min: 0, max: 0) }
        if symmetric { return CalibrationRange(symmetric: stats.absMax) }
        return CalibrationRange(min: stats.min, max: stats.max)
    }
}

/// Clips at a percentile of the observed values: of |x| when symmetric, of x at both tails when asymmetric.
/// The percentile is interpolated linearly inside the histogram bin where it falls.
public struct PercentileCalibration: CalibrationMethod {
    public static let defaultPercentile = 99.99
    /// In percent, (50, 100].
    public let percentile: Double

    public init(percentile: Double = PercentileCalibration.defaultPercentile) throws {
        guard percentile > 50, percentile <= 100 else {
            throw QScopeError.usage("max_percentile \(percentile) must be above 50 and at most 100 (for example 99.99)")
        }
        self.percentile = percentile
    }

    public var name: String { "percentile" }

    public func range(for stats: TensorStatistics, symmetric: Bool) throws -> CalibrationRange {
        guard stats.count > 0 else { return CalibrationRange(min: 0, max: 0) }
        let p = percentile / 100
        if symmetric {
            return finish(threshold: PercentileCalibration.quantile(stats.absHistogram, p), stats: stats, symmetric: true)
        }
        let lo = Float(PercentileCalibration.quantile(stats.signedHistogram, 1 - p))
        let hi = Float(PercentileCalibration.quantile(stats.signedHistogram, p))
        return CalibrationRange(min: Swift.min(Swift.max(lo, stats.min), stats.max),
                                max: Swift.max(Swift.min(hi, stats.max), stats.min))
    }

    /// The value below which a fraction `q` of the histogram's counts lie, assuming values spread evenly in
    /// each bin.
    static func quantile(_ h: Histogram, _ q: Double) -> Double {
        guard h.total > 0 else { return 0 }
        let target = q * Double(h.total)
        var below = 0.0
        for (i, c) in h.counts.enumerated() where c > 0 {
            let n = Double(c)
            if below + n >= target {
                let fraction = Swift.max(0, Swift.min(1, (target - below) / n))
                return h.edge(i) + fraction * h.binWidth
            }
            below += n
        }
        return h.edge(h.binCount)
    }
}

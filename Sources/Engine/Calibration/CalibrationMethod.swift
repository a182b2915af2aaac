import Foundation

/// A calibrated real-valued range of a tensor, the input to `QuantParams`.
public struct CalibrationRange: Equatable, Sendable, CustomStringConvertible {
    public var min: Float
    public var max: Float

    public init(min: Float, max: Float) {
        self.min = min
        self.max = max
    }

    /// A range symmetric around zero.
    public init(symmetric threshold: Float) {
        self.init(min: -threshold, max: threshold)
    }

    public var description: String { "[\(min), \(max)]" }
}

/// Turns the statistics collected for one tensor into the range to quantize it with.
public protocol CalibrationMethod {
    /// Short name for reports (`max`, `kl`, ...).
    var name: String { get }
    /// The range for one tensor. Symmetric ranges are `[-t, t]`; asymmetric ones need not include zero (the
    /// quantization parameters widen them to do so). A tensor with no finite values gets `[0, 0]`.
    func range(for stats: TensorStatistics, symmetric: Bool) throws -> CalibrationRange
}

extension CalibrationMethod {
    /// Clips an asymmetric range to what was observed, and makes a threshold symmetric.
    func finish(threshold t: Double, stats: TensorStatistics, symmetric: Bool) -> CalibrationRange {
        let t = Float(Swift.min(Swift.max(t, 0), Double(stats.absMax)))
        if symmetric { return CalibrationRange(symmetric: t) }
        return CalibrationRange(min: Swift.max(stats.min, -t), max: Swift.min(stats.max, t))
    }
}

/// The calibration methods a user can choose.
public enum CalibrationMethodKind: String, CaseIterable, Sendable {
    case max, kl, percentile, mse
    /// Tries the others and keeps the one whose quantized model is closest to the float one; needs model runs,
    /// so it is resolved by the caller.
    case auto

    /// Spellings accepted besides the canonical names.
    static let aliases: [String: CalibrationMethodKind] = [
        "minmax": .max, "min_max": .max, "abs_max": .max, "absmax": .max,
        "entropy": .kl, "kl_divergence": .kl, "kld": .kl,
        "percent": .percentile, "pct": .percentile,
    ]

    /// Parses a name (case-insensitive, aliases such as `entropy` and `minmax` allowed). The error suggests the
    /// nearest valid name.
    public init(parsing text: String) throws {
        let key = text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "-", with: "_")
        if let k = CalibrationMethodKind(rawValue: key) ?? CalibrationMethodKind.aliases[key] {
            self = k
            return
        }
        let names = CalibrationMethodKind.allCases.map(\.rawValue)
        let candidates = names + CalibrationMethodKind.aliases.keys.sorted()
        let nearest = candidates.min { editDistance(key, $0) < editDistance(key, $1) } ?? "max"
        let canonical = CalibrationMethodKind(rawValue: nearest) ?? CalibrationMethodKind.aliases[nearest] ?? .max
        let suggestion = nearest == canonical.rawValue ? "'\(nearest)'" : "'\(canonical.rawValue)' ('\(nearest)')"
        throw QScopeError.usage("unknown calibration method '\(text)'; did you mean \(suggestion)? Valid methods: "
            + names.joined(separator: ", "))
    }

    /// The method object; `auto` has none of its own and throws.
    public func method(percentile: Double = PercentileCalibration.defaultPercentile, bits: Int = 8) throws
        -> CalibrationMethod
    {
        switch self {
        case .max: return MaxCalibration()
        case .kl: return KLCalibration(levels: 1 << (bits - 1))
        case .percentile: return try PercentileCalibration(percentile: percentile)
        case .mse: return MSECalibration(bits: bits)
        case .auto:
            throw QScopeError.usage("the 'auto' calibration method compares the others by running the model; "
                + "choose one of max, kl, percentile or mse for a single range")
        }
    }
}

/// Levenshtein distance, for suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var prev = Array(0...b.count)
    var cur = prev
    for i in 1...a.count {
        cur[0] = i
        for j in 1...b.count {
            cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[b.count]
}

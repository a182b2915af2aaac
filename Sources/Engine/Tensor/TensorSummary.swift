/// Summary statistics of a tensor's values, as `qscope run` prints them.
public struct TensorSummary: Equatable {
    public var count: Int
    public var min: Float
    public var max: Float
    public var mean: Double
    public var std: Double
    public var nanCount: Int
    public var infCount: Int

    /// Statistics over the finite values; NaN and Inf are counted, not averaged.
    public init(_ tensor: Tensor) {
        let values = tensor.asFloats()
        var lo = Float.infinity, hi = -Float.infinity
        var sum = 0.0, sumSq = 0.0, finite = 0, nans = 0, infs = 0
        for v in values {
            if v.isNaN { nans += 1; continue }
            if v.isInfinite { infs += 1; continue }
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += Double(v)
            sumSq += Double(v) * Double(v)
            finite += 1
        }
        count = values.count
        min = finite > 0 ? lo : 0
        max = finite > 0 ? hi : 0
        mean = finite > 0 ? sum / Double(finite) : 0
        std = finite > 0 ? (Swift.max(0, sumSq / Double(finite) - mean * mean)).squareRoot() : 0
        nanCount = nans
        infCount = infs
    }

    /// The `k` largest values with their indices, largest first (ties by lower index).
    public static func topK(_ values: [Float], k: Int) -> [(index: Int, value: Float)] {
        let ranked = values.enumerated().filter { !$0.element.isNaN }.sorted {
            $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset
        }
        return ranked.prefix(k).map { ($0.offset, $0.element) }
    }
}

/// Running statistics of one float tensor over every calibration sample.
public struct TensorStatistics: Equatable, Sendable {
    /// Smallest and largest finite value seen (+inf / -inf before any).
    public private(set) var min: Float = .infinity
    public private(set) var max: Float = -.infinity
    /// Finite values counted.
    public private(set) var count: Int = 0
    /// Values that were exactly zero (they quantize without error in every scheme).
    public private(set) var zeroCount: Int = 0
    /// NaN and infinite values, which are left out of every other statistic.
    public private(set) var nonFiniteCount: Int = 0
    /// Tensors (one per sample and run) folded in.
    public private(set) var batches: Int = 0
    /// Histogram of |x|, used by entropy, percentile and symmetric MSE calibration.
    public private(set) var absHistogram: Histogram
    /// Histogram of x, used by asymmetric percentile and MSE calibration.
    public private(set) var signedHistogram: Histogram

    public init(bins: Int = 2048) {
        absHistogram = Histogram(bins: bins, signed: false)
        signedHistogram = Histogram(bins: bins, signed: true)
    }

    /// Largest magnitude seen (0 before any value).
    public var absMax: Float { count == 0 ? 0 : Swift.max(abs(min), abs(max)) }

    /// Folds in one tensor's values.
    public mutating func add(_ values: [Float]) {
        batches += 1
        values.withUnsafeBufferPointer { buf in
            if let scan = TensorStatistics.scanFinite(buf) {
                fold(buf, lo: scan.lo, hi: scan.hi)
                zeroCount += scan.zeros
                return
            }
            var lo = Float.infinity, hi = -Float.infinity
            var zeros = 0, bad = 0
            for v in buf {
                if !v.isFinite { bad += 1; continue }
                if v < lo { lo = v }
                if v > hi { hi = v }
                if v == 0 { zeros += 1 }
            }
            if bad > 0 {
                // Rare: copy out the finite values so the histograms never see NaN or infinity.
                let finite = buf.filter(\.isFinite)
                finite.withUnsafeBufferPointer { fold($0, lo: lo, hi: hi) }
            } else {
                fold(buf, lo: lo, hi: hi)
            }
            zeroCount += zeros
            nonFiniteCount += bad
        }
    }

    /// The scan of `add` for values that are all finite, sixteen at a time: (smallest, largest, exact zeros), or
    /// nil when some value is not finite (or there are too few or too many for the lanes), left to the plain loop.
    /// The same results as that loop: it keeps the first of equal extremes, and equal floats are the same float
    /// except for ±0, so a zero extreme is the first zero of the tensor.
    static func scanFinite(_ buf: UnsafeBufferPointer<Float>) -> (lo: Float, hi: Float, zeros: Int)? {
        let n = buf.count
        guard n >= 16, n < Int(Int32.max) else { return nil }
        var lo = SIMD16<Float>(repeating: .infinity), hi = SIMD16<Float>(repeating: -.infinity)
        var zeros = SIMD16<Int32>(), bad = SIMDMask<SIMD16<Int32>>()
        let raw = UnsafeRawPointer(buf.baseAddress!)
        var i = 0
        while i + 16 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            bad .|= (v - v) .!= 0      // NaN for NaN and ±infinity
            lo = lo.replacing(with: v, where: v .< lo)
            hi = hi.replacing(with: v, where: v .> hi)
            zeros &-= unsafeBitCast(v .== 0, to: SIMD16<Int32>.self)   // a true lane is -1
            i += 16
        }
        guard !any(bad) else { return nil }
        var low = lo.min(), high = hi.max(), zeroCount = Int(zeros.wrappedSum())
        while i < n {
            let v = buf[i]
            guard v.isFinite else { return nil }
            if v < low { low = v }
            if v > high { high = v }
            if v == 0 { zeroCount += 1 }
            i += 1
        }
        if low == 0 || high == 0, let z = buf.first(where: { $0 == 0 }) {
            if low == 0 { low = z }
            if high == 0 { high = z }
        }
        return (low, high, zeroCount)
    }

    private mutating func fold(_ buf: UnsafeBufferPointer<Float>, lo: Float, hi: Float) {
        guard !buf.isEmpty else { return }
        min = Swift.min(min, lo)
        max = Swift.max(max, hi)
        count += buf.count
        let m = Swift.max(abs(lo), abs(hi))
        Histogram.add(buf, absMax: m, absolute: &absHistogram, signed: &signedHistogram)
    }
}

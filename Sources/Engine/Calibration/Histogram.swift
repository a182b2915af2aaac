/// A fixed-size histogram whose range widens as larger values arrive, so its memory does not depend on how
/// many values it has seen.
///
/// An absolute histogram covers `[0, limit]` with |x|; a signed one covers `[-limit, limit]`. The first
/// non-zero batch sets `limit` to its largest magnitude. When a later value exceeds it, `limit` doubles (as many
/// times as needed) and every group of 2^k old bins is merged into one new bin. Because the old bin edges are a
/// subset of the new ones, the merge is exact: no count moves to a bin that does not contain it.
public struct Histogram: Equatable, Sendable {
    public let signed: Bool
    /// Count per bin. Bin `i` of an absolute histogram covers `[i, i+1) * binWidth` (the last bin includes
    /// `limit`); a signed one starts at `-limit`.
    public private(set) var counts: [UInt64]
    /// Upper end of the covered range; 0 until a non-zero value arrives (then all counts sit in the bin of 0).
    public private(set) var limit: Float = 0
    /// Number of values counted.
    public private(set) var total: UInt64 = 0

    public init(bins: Int = 2048, signed: Bool) {
        precondition(bins >= 2 && bins % 2 == 0, "histogram bin count must be even and at least 2")
        self.signed = signed
        counts = [UInt64](repeating: 0, count: bins)
    }

    public var binCount: Int { counts.count }
    /// Lower end of the covered range.
    public var lowerLimit: Float { signed ? -limit : 0 }
    public var binWidth: Double { Double(limit) * (signed ? 2 : 1) / Double(counts.count) }

    /// The index of the bin holding zero.
    public var zeroBin: Int { signed ? counts.count / 2 : 0 }

    /// The lower edge of bin `i`.
    public func edge(_ i: Int) -> Double { Double(lowerLimit) + Double(i) * binWidth }

    /// Adds finite values whose largest magnitude is `absMax` (the caller computed it while scanning).
    public mutating func add(_ values: UnsafeBufferPointer<Float>, absMax: Float) {
        if absMax > limit { grow(to: absMax) }
        let n = counts.count
        if limit == 0 {
            counts[zeroBin] += UInt64(values.count)
            total += UInt64(values.count)
            return
        }
        // Double keeps bin edges consistent with `edge(_:)` and across range doublings.
        let perUnit = Double(n) / (Double(limit) * (signed ? 2 : 1))
        let offset: Double = signed ? Double(limit) : 0
        counts.withUnsafeMutableBufferPointer { c in
            for v in values {
                let x = signed ? Double(v) + offset : Double(abs(v))
                // Values at the top edge (x == range) belong to the last bin; rounding may push a value a hair
                // below the lower end, which belongs to the first.
                let i = Int(x * perUnit)
                c[min(max(i, 0), n - 1)] += 1
            }
        }
        total += UInt64(values.count)
    }

    /// Adds the same values to an absolute and a signed histogram of equal size in one pass over them: the bins
    /// (and every count) are exactly those of `add(_:absMax:)` on each, with one load and conversion per value.
    static func add(_ values: UnsafeBufferPointer<Float>, absMax: Float, absolute a: inout Histogram,
                    signed s: inout Histogram) {
        if absMax > a.limit { a.grow(to: absMax) }
        if absMax > s.limit { s.grow(to: absMax) }
        let n = a.counts.count
        guard !a.signed, s.signed, s.counts.count == n, a.limit > 0, s.limit > 0 else {
            a.add(values, absMax: absMax)
            s.add(values, absMax: absMax)
            return
        }
        // The same expressions as `add`, so each value lands in the same bins.
        let perA = Double(n) / (Double(a.limit) * 1)
        let perS = Double(n) / (Double(s.limit) * 2)
        let offset = Double(s.limit)
        if values.count >= 4 * n, values.count < Int(UInt32.max), n < 1 << 30 {
            addInterleaved(values, bins: n, perA: perA, perS: perS, offset: offset, absolute: &a.counts, signed: &s.counts)
        } else {
            a.counts.withUnsafeMutableBufferPointer { ca in
                s.counts.withUnsafeMutableBufferPointer { cs in
                    for v in values {
                        let x = Double(v)
                        let i = Int(abs(x) * perA), j = Int((x + offset) * perS)
                        ca[min(max(i, 0), n - 1)] += 1
                        cs[min(max(j, 0), n - 1)] += 1
                    }
                }
            }
        }
        a.total += UInt64(values.count)
        s.total += UInt64(values.count)
    }

    /// The loop of `add(_:absMax:absolute:signed:)` over four partial histograms, one per value position mod 4,
    /// summed at the end: runs of values in one bin (the zeros after a Relu) otherwise make every increment wait
    /// for the previous one to be stored. Each value's bins are computed as before, so the counts are the same.
    /// Needs fewer than 2^32 values (32-bit partial counts).
    private static func addInterleaved(_ values: UnsafeBufferPointer<Float>, bins n: Int, perA: Double, perS: Double,
                                       offset: Double, absolute: inout [UInt64], signed: inout [UInt64]) {
        var partA = [UInt32](repeating: 0, count: 4 * n), partS = partA
        partA.withUnsafeMutableBufferPointer { pa in
            partS.withUnsafeMutableBufferPointer { ps in
                let top = Double(n - 1)
                // Int(y) clamped to [0, n-1] equals the truncation of y clamped to [0, n-1]; read from the low bits
                // of trunc + 2^52, it needs no range check.
                @inline(__always) func bin(_ y: Double) -> Int {
                    Int(truncatingIfNeeded: (Swift.min(Swift.max(y, 0), top).rounded(.towardZero) + 0x1p52).bitPattern & 0xFFFF_FFFF)
                }
                @inline(__always) func put(_ v: Float, _ lane: Int) {
                    let x = Double(v)
                    pa[lane &+ bin(abs(x) * perA)] &+= 1
                    ps[lane &+ bin((x + offset) * perS)] &+= 1
                }
                // Eight at a time, the same operations lane by lane. Both products are >= 0 (|x|·perA, and x + limit
                // is exact and >= 0 for |x| <= limit), so only the top needs the clamp.
                let vTop = SIMD8<Double>(repeating: top), vOffset = SIMD8<Double>(repeating: offset)
                let p1 = n, p2 = 2 * n, p3 = 3 * n
                @inline(__always) func bins(_ y: SIMD8<Double>) -> SIMD8<UInt32> {
                    let c = y.replacing(with: vTop, where: y .> vTop).rounded(.towardZero) + 0x1p52
                    return SIMD8<UInt32>(truncatingIfNeeded: unsafeBitCast(c, to: SIMD8<UInt64>.self))
                }
                var k = 0
                let count = values.count
                let raw = UnsafeRawPointer(values.baseAddress!)
                while k + 8 <= count {
                    let x = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: k * 4, as: SIMD8<Float>.self))
                    let magnitude = unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF,
                                                  to: SIMD8<Double>.self)
                    let ia = bins(magnitude * perA), js = bins((x + vOffset) * perS)
                    pa[Int(ia[0])] &+= 1; ps[Int(js[0])] &+= 1
                    pa[p1 &+ Int(ia[1])] &+= 1; ps[p1 &+ Int(js[1])] &+= 1
                    pa[p2 &+ Int(ia[2])] &+= 1; ps[p2 &+ Int(js[2])] &+= 1
                    pa[p3 &+ Int(ia[3])] &+= 1; ps[p3 &+ Int(js[3])] &+= 1
                    pa[Int(ia[4])] &+= 1; ps[Int(js[4])] &+= 1
                    pa[p1 &+ Int(ia[5])] &+= 1; ps[p1 &+ Int(js[5])] &+= 1
                    pa[p2 &+ Int(ia[6])] &+= 1; ps[p2 &+ Int(js[6])] &+= 1
                    pa[p3 &+ Int(ia[7])] &+= 1; ps[p3 &+ Int(js[7])] &+= 1
                    k += 8
                }
                while k < count {
                    put(values[k], 0)
                    k += 1
                }
            }
        }
        for b in 0..<n {
            absolute[b] += UInt64(partA[b]) + UInt64(partA[n + b]) + UInt64(partA[2 * n + b]) + UInt64(partA[3 * n + b])
            signed[b] += UInt64(partS[b]) + UInt64(partS[n + b]) + UInt64(partS[2 * n + b]) + UInt64(partS[3 * n + b])
        }
    }

    /// Widens the range by powers of two until it covers `magnitude`, merging bins.
    mutating func grow(to magnitude: Float) {
        guard limit > 0 else {
            limit = magnitude
            return
        }
        var k = 0
        var newLimit = limit
        while newLimit < magnitude && k < 60 {
            newLimit *= 2
            k += 1
        }
        if newLimit < magnitude { newLimit = magnitude }  // absurd growth: give up exactness rather than loop
        let n = counts.count
        var merged = [UInt64](repeating: 0, count: n)
        let factor = 1 << k
        for (i, c) in counts.enumerated() where c > 0 {
            // Absolute: [i*w, (i+1)*w) lies in new bin floor(i / 2^k). Signed: bins are counted from -limit, so
            // shift to the zero bin first: n/2 + floor((i - n/2) / 2^k).
            let j = signed ? n / 2 + floorDiv(i - n / 2, factor) : i / factor
            merged[min(max(j, 0), n - 1)] += c
        }
        counts = merged
        limit = newLimit
    }

    private func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && a < 0) ? q - 1 : q
    }
}

extension PairSums {
    /// Gathers the sums over two buffers of equal length in one pass.
    ///
    /// The caller checks the lengths; extra candidate elements are ignored.
    /// Works 8 lanes at a time with `Double` SIMD accumulators; a block that holds any NaN or infinity falls
    /// back to the scalar path, which filters and counts them, so the common all-finite case stays branch-free.
    init(reference a: UnsafeBufferPointer<Float>, candidate b: UnsafeBufferPointer<Float>) {
        self.init()
        let count = min(a.count, b.count)
        guard count > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return }

        var sa = SIMD8<Double>(), sb = SIMD8<Double>(), sab = SIMD8<Double>()
        var se = SIMD8<Double>(), sd = SIMD8<Double>(), mx = SIMD8<Double>()
        var simdPairs = 0
        var i = 0
        let rawA = UnsafeRawPointer(pa), rawB = UnsafeRawPointer(pb)
        let stride = MemoryLayout<Float>.stride
        while i + 8 <= count {
            let va = rawA.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
            let vb = rawB.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<Float>.self)
            // x − x is 0 exactly when x is finite (∞ − ∞ and NaN − NaN are NaN).
            if all(((va - va) .== 0) .& ((vb - vb) .== 0)) {
                // Converting by halves and taking |d| / max with selects keeps the whole loop in AVX registers;
                // the generic SIMD8 conversion and pointwiseMax compiled to 2-lane pieces and a call.
                let da = SIMD8<Double>(lowHalf: SIMD4<Double>(va.lowHalf), highHalf: SIMD4<Double>(va.highHalf))
                let db = SIMD8<Double>(lowHalf: SIMD4<Double>(vb.lowHalf), highHalf: SIMD4<Double>(vb.highHalf))
                let d = db - da
                sa += da * da
                sb += db * db
                sab += da * db
                se += d * d
                sd += d
                let ad = d.replacing(with: -d, where: d .< 0)
                mx.replace(with: ad, where: ad .> mx)
                simdPairs += 8
            } else {
                for j in i ..< i + 8 { addScalar(pa[j], pb[j]) }
            }
            i += 8
        }
        while i < count {
            addScalar(pa[i], pb[i])
            i += 1
        }
        comparedCount += simdPairs
        referenceEnergy += sa.sum()
        candidateEnergy += sb.sum()
        dotProduct += sab.sum()
        errorEnergy += se.sum()
        errorSum += sd.sum()
        maxAbsError = max(maxAbsError, mx.max())
    }

    /// Adds one pair, skipping (and counting) non-finite values.
    @inline(__always)
    private mutating func addScalar(_ x: Float, _ y: Float) {
        guard x.isFinite, y.isFinite else {
            if x.isNaN { reference.nan += 1 } else if x.isInfinite { reference.infinity += 1 }
            if y.isNaN { candidate.nan += 1 } else if y.isInfinite { candidate.infinity += 1 }
            return
        }
        let da = Double(x), db = Double(y)
        let d = db - da
        comparedCount += 1
        referenceEnergy += da * da
        candidateEnergy += db * db
        dotProduct += da * db
        errorEnergy += d * d
        errorSum += d
        maxAbsError = max(maxAbsError, abs(d))
    }
}

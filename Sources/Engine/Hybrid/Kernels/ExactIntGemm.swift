import CBLAS

/// Integer matrix products through float sgemm, exactly: the operands are small integers, and the reduction
/// is split into chunks short enough that every partial sum stays below 2^24 (where float32 holds integers
/// exactly, whatever order the BLAS sums in). Each chunk's result is converted to int32 and accumulated.
enum ExactIntGemm {
    /// The longest reduction chunk for operands bounded by |a| ≤ 255 and |b| ≤ 127 (uint8 inputs minus
    /// their zero point times int8 weights): 512 · 255 · 127 < 2^24.
    static let chunk = 512

    /// `acc[m×n] += A[m×k] · B[k×n]` (row-major; `transA`: A stored k×m, `transB`: B stored n×k). With
    /// `overwrite`, `acc = A · B` instead, and `acc` may hold anything before (for m, n > 0 and k = 0 it is
    /// zeroed).
    static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, transA: Bool,
                         b: UnsafePointer<Float>, transB: Bool, into acc: UnsafeMutablePointer<Int32>,
                         overwrite: Bool = false) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if overwrite { acc.update(repeating: 0, count: m * n) }
            return
        }
        let lda = transA ? m : k, ldb = transB ? k : n
        var k0 = 0
        if overwrite {
            // The first chunk is written by sgemm straight into the accumulator's memory as floats, then
            // converted where it lies: no temporary, no zeroing, no add.
            let kc = min(chunk, k)
            let raw = UnsafeMutableRawPointer(acc)
            let c = raw.bindMemory(to: Float.self, capacity: m * n)
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(kc), 1, a, Int32(lda), b, Int32(ldb), 0, c, Int32(n))
            storeIntegers(c, count: m * n)
            raw.bindMemory(to: Int32.self, capacity: m * n)
            k0 = kc
            if k0 >= k { return }
        }
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { partial.deallocate() }
        while k0 < k {
            let kc = min(chunk, k - k0)
            let aChunk = transA ? a + k0 * lda : a + k0
            let bChunk = transB ? b + k0 : b + k0 * ldb
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(kc), 1, aChunk, Int32(lda), bChunk, Int32(ldb), 0,
                        partial, Int32(n))
            addIntegers(partial, into: acc, count: m * n)
            k0 += kc
        }
    }

    /// `c[m×n] = A[m×k] · B[k×n]` (row-major) as floats, for k ≤ `chunk`: every value is an exact integer.
    static func products(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>) {
        precondition(k <= chunk, "one sgemm is exact only up to \(chunk) products")
        guard m > 0, n > 0 else { return }
        guard k > 0 else { c.update(repeating: 0, count: m * n); return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, c, Int32(n))
    }

    /// Replaces each float (an integer of magnitude below 2^51) by the same integer as an Int32, in place, by
    /// the conversion of `addIntegers`; the memory is bound to Float on entry and left holding Int32 bits.
    @inline(__always)
    static func storeIntegers(_ v: UnsafeMutablePointer<Float>, count: Int) {
        let raw = UnsafeMutableRawPointer(v)
        for i in 0..<count {
            let d = Double(raw.load(fromByteOffset: i &* 4, as: Float.self)) + 6_755_399_441_055_744.0
            raw.storeBytes(of: Int32(truncatingIfNeeded: d.bitPattern), toByteOffset: i &* 4, as: Int32.self)
        }
    }

    /// `acc[i] &+= Int32(v[i])` for floats that hold integers of magnitude below 2^51 (any chunk sum): adding
    /// 1.5 · 2^52 in double precision puts the integer, in two's complement, in the low bits of the bit
    /// pattern. Unlike `Int32(Float)` this has no range check, so the loop vectorizes.
    @inline(__always)
    static func addIntegers(_ v: UnsafePointer<Float>, into acc: UnsafeMutablePointer<Int32>, count: Int) {
        for i in 0..<count {
            let d = Double(v[i]) + 6_755_399_441_055_744.0
            acc[i] &+= Int32(truncatingIfNeeded: d.bitPattern)
        }
    }
}

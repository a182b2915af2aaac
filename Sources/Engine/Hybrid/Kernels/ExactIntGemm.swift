import CBLAS

/// Integer matrix products through float sgemm, exactly: the operands are small integers, and the reduction
/// is split into chunks short enough that every partial sum stays below 2^24 (where float32 holds integers
/// exactly, whatever order the BLAS sums in). Each chunk's result is converted to int32 and accumulated.
enum ExactIntGemm {
    /// The longest reduction chunk for operands bounded by |a| ≤ 255 and |b| ≤ 127 (uint8 inputs minus
    /// their zero point times int8 weights): 512 · 255 · 127 < 2^24.
    static let chunk = 512

    /// `acc[m×n] += A[m×k] · B[k×n]` (row-major; `transA`: A stored k×m, `transB`: B stored n×k).
    static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, transA: Bool,
                         b: UnsafePointer<Float>, transB: Bool, into acc: UnsafeMutablePointer<Int32>) {
        guard m > 0, n > 0, k > 0 else { return }
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        defer { partial.deallocate() }
        let lda = transA ? m : k, ldb = transB ? k : n
        var k0 = 0
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

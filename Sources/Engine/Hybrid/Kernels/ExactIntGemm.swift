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
        var partial = [Float](repeating: 0, count: m * n)
        let lda = transA ? m : k, ldb = transB ? k : n
        var k0 = 0
        while k0 < k {
            let kc = min(chunk, k - k0)
            let aChunk = transA ? a + k0 * lda : a + k0
            let bChunk = transB ? b + k0 : b + k0 * ldb
            partial.withUnsafeMutableBufferPointer { c in
                cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                            Int32(m), Int32(n), Int32(kc), 1, aChunk, Int32(lda), bChunk, Int32(ldb), 0,
                            c.baseAddress, Int32(n))
                for i in 0..<(m * n) { acc[i] &+= Int32(c[i]) }
            }
            k0 += kc
        }
    }
}

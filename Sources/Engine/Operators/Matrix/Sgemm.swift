import CBLAS

/// Row-major single-precision matrix product through OpenBLAS: C = alpha * op(A) * op(B) + beta * C.
enum Sgemm {
    /// Throws when a dimension does not fit the 32-bit BLAS interface.
    static func check(_ values: Int...) throws {
        for v in values where v < 0 || v > Int(Int32.max) {
            throw OpError("a matrix dimension (\(v)) is too large for the BLAS interface")
        }
    }

    /// `op(A)` is m x k, `op(B)` is k x n, C is m x n with leading dimension `ldc`.
    @inline(__always)
    static func run(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C untouched for k == 0 on some builds; apply beta explicitly.
            for i in 0..<m {
                let row = c + i * ldc
                for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }
}

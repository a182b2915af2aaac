/// ONNX Gemm: Y = alpha * op(A) * op(B) + beta * C, with C broadcast to [M, N].
final class GemmOp: Operator {
    private let alpha: Float
    private let beta: Float
    private let transA: Bool
    private let transB: Bool

    init(_ context: BuildContext) throws {
        let node = context.node
        alpha = try node.float("alpha", default: 1)
        beta = try node.float("beta", default: 1)
        transA = try node.int("transA", default: 0) != 0
        transB = try node.int("transB", default: 0) != 0
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let a = try inputs.required(0), b = try inputs.required(1)
        guard a.rank == 2, b.rank == 2 else {
            throw OpError("A \(a.shape) and B \(b.shape) must both be matrices")
        }
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let kb = transB ? b.shape[1] : b.shape[0], n = transB ? b.shape[0] : b.shape[1]
        guard k == kb else {
            throw OpError("inner dimensions differ: A \(a.shape) (transA \(transA)) and B \(b.shape) (transB \(transB))")
        }
        try Sgemm.check(m, n, k)
        let count = try Tensor.elementCount([m, n], what: "the Gemm output")
        var y = [Float](repeating: 0, count: count)
        var betaUsed: Float = 0
        if let c = inputs.optional(2), beta != 0 {
            let cs = try c.floats()
            guard c.rank <= 2 else { throw OpError("C \(c.shape) cannot be broadcast to [\(m), \(n)]") }
            let shape = Array(repeating: 1, count: 2 - c.rank) + c.shape
            guard (shape[0] == 1 || shape[0] == m) && (shape[1] == 1 || shape[1] == n) else {
                throw OpError("C \(c.shape) cannot be broadcast to [\(m), \(n)]")
            }
            let rowStep = shape[0] == 1 ? 0 : shape[1], colStep = shape[1] == 1 ? 0 : 1
            y.withUnsafeMutableBufferPointer { yp in
                cs.withUnsafeBufferPointer { cp in
                    for i in 0..<m {
                        let src = cp.baseAddress! + i * rowStep
                        let dst = yp.baseAddress! + i * n
                        for j in 0..<n { dst[j] = beta * src[j * colStep] }
                    }
                }
            }
            betaUsed = 1
        }
        let av = try a.floats(), bv = try b.floats()
        if count > 0 && k > 0 {
            av.withUnsafeBufferPointer { ap in
                bv.withUnsafeBufferPointer { bp in
                    y.withUnsafeMutableBufferPointer { yp in
                        Sgemm.run(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                  a: ap.baseAddress!, lda: a.shape[1], b: bp.baseAddress!, ldb: b.shape[1],
                                  beta: betaUsed, c: yp.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return [Tensor(shape: [m, n], floats: y)]
    }
}

/// ONNX MatMul with numpy semantics: 1-D operands are promoted and the added axis removed again, leading
/// (batch) axes broadcast.
final class MatMulOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let a = try inputs.required(0), b = try inputs.required(1)
        guard a.rank >= 1, b.rank >= 1 else {
            throw OpError("MatMul operands must have at least one axis, got \(a.shape) and \(b.shape)")
        }
        let aShape = a.rank == 1 ? [1, a.shape[0]] : a.shape
        let bShape = b.rank == 1 ? [b.shape[0], 1] : b.shape
        let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1]
        let kb = bShape[bShape.count - 2], n = bShape[bShape.count - 1]
        guard k == kb else { throw OpError("inner dimensions differ: \(a.shape) x \(b.shape)") }
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        let batch = try ShapeMath.broadcast([aBatch, bBatch])
        var outShape = batch
        if a.rank != 1 { outShape.append(m) }
        if b.rank != 1 { outShape.append(n) }
        let count = try Tensor.elementCount(batch + [m, n], what: "the MatMul output")
        let batchCount = batch.reduce(1, *)
        var y = [Float](repeating: 0, count: count)
        let av = try a.floats(), bv = try b.floats()
        // With k == 0 the product is all zeros (and the operands have no storage to point at).
        if count == 0 || k == 0 { return [Tensor(shape: outShape, floats: y)] }
        try Sgemm.check(batchCount * m, n, k)

        let aBatchCount = aBatch.reduce(1, *), bBatchCount = bBatch.reduce(1, *)
        av.withUnsafeBufferPointer { ap in
            bv.withUnsafeBufferPointer { bp in
                y.withUnsafeMutableBufferPointer { yp in
                    let a0 = ap.baseAddress!, b0 = bp.baseAddress!, y0 = yp.baseAddress!
                    if bBatchCount == 1 && aBatchCount == batchCount {
                        // A shared right operand (a weight): fold A's batch into its rows, one product.
                        Sgemm.run(m: batchCount * m, n: n, k: k, a: a0, lda: k, b: b0, ldb: n,
                                  beta: 0, c: y0, ldc: n)
                        return
                    }
                    let aIndex = ShapeMath.broadcastIndices(from: aBatch, to: batch)
                    let bIndex = ShapeMath.broadcastIndices(from: bBatch, to: batch)
                    for i in 0..<batchCount {
                        Sgemm.run(m: m, n: n, k: k, a: a0 + aIndex[i] * m * k, lda: k,
                                  b: b0 + bIndex[i] * k * n, ldb: n, beta: 0, c: y0 + i * m * n, ldc: n)
                    }
                }
            }
        }
        return [Tensor(shape: outShape, floats: y)]
    }
}

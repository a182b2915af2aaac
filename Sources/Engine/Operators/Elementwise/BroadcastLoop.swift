/// Walks numpy-broadcast operands in contiguous runs instead of element by element.
///
/// Adjacent dimensions in which every operand behaves the same way (all spanning the output, or each
/// consistently broadcast) are merged, so e.g. `NCHW * NC11` becomes a `[N*C, H*W]` loop whose inner run
/// reads the second operand as a scalar. The innermost merged dimension is handed to the caller as one run,
/// with each operand's stride inside it (1 or 0), so kernels can use SIMD on whole rows.
struct BroadcastLoop {
    /// The broadcast output shape.
    let outShape: [Int]
    let outCount: Int
    /// Length of each inner run.
    let inner: Int
    /// Per operand: 1 when it advances inside a run, 0 when it is repeated (broadcast).
    let innerStrides: [Int]
    /// Merged outer dimensions (outermost first) and each operand's stride in them.
    private let outerDims: [Int]
    private let outerStrides: [[Int]]

    init(_ shapes: [[Int]]) throws {
        outShape = try ShapeMath.broadcast(shapes)
        outCount = try Tensor.elementCount(outShape, what: "the broadcast result")
        let rank = outShape.count
        let padded = shapes.map { Array(repeating: 1, count: rank - $0.count) + $0 }
        // Dimensions of size 1 in the output carry no iteration; the rest are merged by broadcast pattern.
        var dims: [Int] = []
        var kinds: [[Bool]] = []  // per merged dim, per operand: true when the operand spans it
        for d in 0..<rank where outShape[d] != 1 {
            let kind = padded.map { $0[d] != 1 }
            if let last = kinds.last, last == kind {
                dims[dims.count - 1] *= outShape[d]
            } else {
                dims.append(outShape[d])
                kinds.append(kind)
            }
        }
        var strides = Array(repeating: Array(repeating: 0, count: dims.count), count: shapes.count)
        for k in 0..<shapes.count {
            var acc = 1
            for j in stride(from: dims.count - 1, through: 0, by: -1) where kinds[j][k] {
                strides[k][j] = acc
                acc *= dims[j]
            }
        }
        if let last = dims.last {
            inner = last
            innerStrides = strides.map { $0[dims.count - 1] }
            outerDims = Array(dims.dropLast())
            outerStrides = strides.map { Array($0.dropLast()) }
        } else {
            inner = 1
            innerStrides = Array(repeating: 0, count: shapes.count)
            outerDims = []
            outerStrides = Array(repeating: [], count: shapes.count)
        }
    }

    /// Calls `body(outOffset, operandOffsets)` for each inner run of `inner` elements, in output order.
    func forEachRun(_ body: (_ outOffset: Int, _ offsets: UnsafeMutableBufferPointer<Int>) throws -> Void) rethrows {
        guard outCount > 0 else { return }
        let operands = innerStrides.count
        let rank = outerDims.count
        var offsets = [Int](repeating: 0, count: operands)
        var index = [Int](repeating: 0, count: rank)
        let runs = outCount / inner
        try offsets.withUnsafeMutableBufferPointer { off in
            for run in 0..<runs {
                try body(run * inner, off)
                // Advance the odometer over the outer dimensions.
                var d = rank - 1
                while d >= 0 {
                    index[d] += 1
                    for k in 0..<operands { off[k] += outerStrides[k][d] }
                    if index[d] < outerDims[d] { break }
                    for k in 0..<operands { off[k] -= outerStrides[k][d] * outerDims[d] }
                    index[d] = 0
                    d -= 1
                }
            }
        }
    }
}

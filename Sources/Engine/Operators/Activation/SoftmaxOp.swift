import Foundation

/// Softmax and LogSoftmax. From opset 13 they normalize along one axis (default -1); before that the input is
/// viewed as 2-D [prod(shape[..<axis]), prod(shape[axis...])] (default axis 1) and each row is normalized.
/// The maximum is subtracted first so large inputs do not overflow.
final class SoftmaxOp: Operator {
    private let axis: Int
    private let coerceTo2D: Bool
    private let logarithm: Bool

    init(_ context: BuildContext) throws {
        coerceTo2D = context.opset < 13
        axis = try context.node.int("axis", default: coerceTo2D ? 1 : -1)
        logarithm = context.node.opType == "LogSoftmax"
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let a = try x.floats()
        if x.rank == 0 { return [Tensor(shape: [], floats: [logarithm ? 0 : 1])] }
        let ax = try ShapeMath.axis(axis, rank: x.rank)
        let outer = x.shape[..<ax].reduce(1, *)
        let length: Int, inner: Int
        if coerceTo2D {
            length = x.shape[ax...].reduce(1, *)
            inner = 1
        } else {
            length = x.shape[ax]
            inner = x.shape[(ax + 1)...].reduce(1, *)
        }
        guard a.count > 0, length > 0 else { return [x] }
        let out = makeFloats(a.count) { o in
            a.withUnsafeBufferPointer { src in
                let block = length * inner
                if inner == 1 && length < 8 {
                    // Short rows (class scores of detection heads): partial vectors would cost more than the math.
                    for r in 0..<outer { softmaxShortRow(src.baseAddress! + r * length, o + r * length, length, logarithm) }
                } else if inner == 1 {
                    for r in 0..<outer { softmaxRow(src.baseAddress! + r * length, o + r * length, length, logarithm) }
                } else {
                    let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * inner)
                    defer { scratch.deallocate() }
                    for r in 0..<outer {
                        softmaxStrided(src.baseAddress! + r * block, o + r * block, length, inner, scratch, logarithm)
                    }
                }
            }
        }
        return [Tensor(shape: x.shape, floats: out)]
    }
}

/// Softmax of one contiguous row.
private func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ logarithm: Bool) {
    let tail = n & ~7
    var vmax = FloatVector(repeating: -.infinity)
    var i = 0
    while i < tail {
        let v = loadVector(x + i)
        vmax.replace(with: v, where: v .> vmax)
        i += 8
    }
    var m = vmax[0]
    for l in 1..<8 { m = max(m, vmax[l]) }
    for j in i..<n { m = max(m, x[j]) }
    // NaN needs no special case: it reaches the sum and from there every output of the row.
    let vm = FloatVector(repeating: m)
    var vsum = FloatVector()
    i = 0
    while i < tail {
        let e = vectorExp(loadVector(x + i) - vm)
        if !logarithm { storeVector(e, y + i) }
        vsum += e
        i += 8
    }
    if i < n {
        let e = vectorExp(loadPartial(x + i, n - i, fill: -.infinity) - vm)
        if !logarithm { storePartial(e, y + i, n - i) }
        vsum += e
    }
    let sum = vsum.sum()
    i = 0
    if logarithm {
        // (x - max) - log(sum), in that order: adding log(sum) to a large max first would lose its digits.
        let logSum = FloatVector(repeating: logf(sum))
        while i < tail {
            storeVector((loadVector(x + i) - vm) - logSum, y + i)
            i += 8
        }
        if i < n { storePartial((loadPartial(x + i, n - i) - vm) - logSum, y + i, n - i) }
    } else {
        let scale = FloatVector(repeating: 1 / sum)
        while i < tail {
            storeVector(loadVector(y + i) * scale, y + i)
            i += 8
        }
        for j in i..<n { y[j] *= scale[0] }
    }
}

/// Softmax of one row shorter than a vector, in scalar code.
@inline(__always)
private func softmaxShortRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int, _ logarithm: Bool) {
    var m = -Float.infinity
    for j in 0..<n where x[j] > m { m = x[j] }
    var sum: Float = 0
    for j in 0..<n {
        let e = expf(x[j] - m)
        y[j] = e
        sum += e
    }
    if logarithm {
        let logSum = logf(sum)
        for j in 0..<n { y[j] = (x[j] - m) - logSum }
    } else {
        let scale = 1 / sum
        for j in 0..<n { y[j] *= scale }
    }
}

/// Softmax along an axis with stride `inner`: processes whole [inner] rows at a time so loads stay contiguous.
private func softmaxStrided(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ length: Int, _ inner: Int,
                            _ scratch: UnsafeMutablePointer<Float>, _ logarithm: Bool) {
    let maxRow = scratch, sumRow = scratch + inner
    for k in 0..<inner { maxRow[k] = x[k]; sumRow[k] = 0 }
    for j in 1..<max(length, 1) {
        let row = x + j * inner
        for k in 0..<inner where row[k] > maxRow[k] { maxRow[k] = row[k] }
    }
    for j in 0..<length {
        let row = x + j * inner, out = y + j * inner
        var k = 0
        while k + 8 <= inner {
            let e = vectorExp(loadVector(row + k) - loadVector(maxRow + k))
            storeVector(e, out + k)
            storeVector(loadVector(sumRow + k) + e, sumRow + k)
            k += 8
        }
        while k < inner {
            let e = expf(row[k] - maxRow[k])
            out[k] = e
            sumRow[k] += e
            k += 1
        }
    }
    if logarithm {
        for k in 0..<inner { sumRow[k] = logf(sumRow[k]) }
        for j in 0..<length {
            let row = x + j * inner, out = y + j * inner
            for k in 0..<inner { out[k] = (row[k] - maxRow[k]) - sumRow[k] }
        }
    } else {
        for k in 0..<inner { sumRow[k] = 1 / sumRow[k] }
        for j in 0..<length {
            let out = y + j * inner
            for k in 0..<inner { out[k] *= sumRow[k] }
        }
    }
}

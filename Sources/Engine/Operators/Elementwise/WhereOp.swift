/// Where(condition, X, Y): picks X where the condition holds, else Y, with three-way broadcasting.
final class WhereOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let c = try inputs.required(0), x = try inputs.required(1), y = try inputs.required(2)
        guard case .bool(let cond) = c.data else { throw OpError("Where condition must be bool, got \(c.dtype.name)") }
        let loop = try BroadcastLoop([c.shape, x.shape, y.shape])
        let data = try TensorData.combine([x.data, y.data], WhereTransform(loop: loop, condition: cond))
        return [Tensor(shape: loop.outShape, data: data)]
    }
}

private struct WhereTransform: MultiArrayTransform {
    let loop: BroadcastLoop
    let condition: [Bool]

    func apply<T: TensorElement>(_ values: [[T]]) throws -> [T] {
        let sc = loop.innerStrides[0], sx = loop.innerStrides[1], sy = loop.innerStrides[2], n = loop.inner
        return makeArray(loop.outCount) { o in
            condition.withUnsafeBufferPointer { pc in
                values[0].withUnsafeBufferPointer { px in
                    values[1].withUnsafeBufferPointer { py in
                        loop.forEachRun { outOffset, off in
                            let c = pc.baseAddress! + off[0], a = px.baseAddress! + off[1], b = py.baseAddress! + off[2]
                            let z = o + outOffset
                            for i in 0..<n { z[i] = c[i &* sc] ? a[i &* sx] : b[i &* sy] }
                        }
                    }
                }
            }
        }
    }
}

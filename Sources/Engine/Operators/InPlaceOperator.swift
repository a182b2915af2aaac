/// An operator whose single output has its first input's shape and type and can be computed over that
/// input's storage. The executor offers this when input 0 is read by no later node: the output then reuses
/// a buffer that is already allocated and usually still in cache. When someone else still holds the
/// storage (an observer that captures tensors, the caller's feeds), writing to it copies it first, so the
/// result is always the same as `run`'s.
protocol InPlaceOperator: Operator {
    /// Overwrites `x` (input 0) with the output and returns true, or returns false (leaving `x` as it was)
    /// when this case is not handled in place; the executor then calls `run`. In `inputs`, input 0 is nil.
    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) throws -> Bool
}

extension Tensor {
    /// Calls `body` with this float tensor's storage, mutable without a copy when it is not shared. Returns
    /// false, without calling `body`, for other element types.
    mutating func updateFloats(_ body: (UnsafeMutablePointer<Float>, Int) throws -> Void) rethrows -> Bool {
        guard case .float(var values) = data else { return false }
        // Drop the enum's reference first, so `values` is the only one and writing to it does not copy.
        data = .float([])
        defer { data = .float(values) }
        try values.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { try body(base, buffer.count) }
        }
        return true
    }
}

/// `runUnary`'s float case, over the input's own storage.
func runUnaryInPlace<K: UnaryKernel>(_ kernel: K, _ x: inout Tensor) -> Bool {
    x.updateFloats { p, n in mapFloats(kernel, UnsafePointer(p), p, n) }
}

/// Two-input float arithmetic written over input 0, when input 0 already has the broadcast output's shape.
func arithmeticInPlace<K: ArithmeticKernel>(_ k: K.Type, _ x: inout Tensor, _ inputs: [Tensor?]) throws -> Bool {
    guard inputs.count == 2, let b = inputs[1], case .float(let bv) = b.data, x.dtype == .float else { return false }
    let outShape = try ShapeMath.broadcast([x.shape, b.shape])
    guard outShape == x.shape else { return false }
    let shape = x.shape
    if shape == b.shape {
        return x.updateFloats { p, n in
            bv.withUnsafeBufferPointer { pb in arithmeticRun(k, UnsafePointer(p), 1, pb.baseAddress!, 1, p, n) }
        }
    }
    let loop = try BroadcastLoop([shape, b.shape])
    let sa = loop.innerStrides[0], sb = loop.innerStrides[1], n = loop.inner
    // Input 0 is not broadcast, so its offset of every run is the output's.
    return x.updateFloats { p, _ in
        bv.withUnsafeBufferPointer { pb in
            loop.forEachRun { outOffset, off in
                arithmeticRun(k, UnsafePointer(p) + off[0], sa, pb.baseAddress! + off[1], sb, p + outOffset, n)
            }
        }
    }
}

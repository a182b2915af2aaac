/// Copies a strided view of the input into a dense output: `out[i0, ..., ik] = in[offset + Σ ij * strides[j]]`.
/// Strides may be zero (broadcast) or negative (reversed slices). Slice, Transpose, Expand, Tile, Split and
/// DepthToSpace are all this one kernel; the innermost run is a block copy whenever its stride is 1.
struct StridedCopy: ArrayTransform {
    var shape: [Int]
    var strides: [Int]
    var offset: Int

    init(shape: [Int], strides: [Int], offset: Int = 0) {
        // Merge dimensions that are contiguous with each other so the inner loop runs as long as possible.
        var s: [Int] = [], st: [Int] = []
        for (d, n) in shape.enumerated() where n != 1 {
            if let last = s.last, st[st.count - 1] == strides[d] * n {
                s[s.count - 1] = last * n
                st[st.count - 1] = strides[d]
            } else {
                s.append(n)
                st.append(strides[d])
            }
        }
        if shape.contains(0) { s = [0]; st = [1] }
        self.shape = s
        self.strides = st
        self.offset = offset
    }

    func apply<T: TensorElement>(_ values: [T]) throws -> [T] {
        let total = shape.reduce(1, *)
        if total == 0 { return [] }
        // Every address the view can reach lies between these two; check once, then copy unchecked.
        var lo = offset, hi = offset
        for (n, s) in zip(shape, strides) {
            if s > 0 { hi += s * (n - 1) } else { lo += s * (n - 1) }
        }
        guard lo >= 0 && hi < values.count else {
            throw OpError("internal: strided view reaches \(lo)...\(hi) of \(values.count) elements")
        }
        let rank = shape.count
        if rank == 0 { return [values[offset]] }
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        if rank >= 2 && innerStride != 1 && strides[rank - 2] == 1 {
            return tiledTranspose(values, total: total)
        }
        return values.withUnsafeBufferPointer { srcBuf in
            let src = srcBuf.baseAddress!
            return [T](unsafeUninitializedCapacity: total) { out, initialized in
                var dst = out.baseAddress!
                var index = [Int](repeating: 0, count: rank)
                var base = offset
                let rows = total / inner
                for _ in 0..<rows {
                    if innerStride == 1 {
                        dst.initialize(from: src + base, count: inner)
                    } else if innerStride == 0 {
                        dst.initialize(repeating: src[base], count: inner)
                    } else {
                        var p = base
                        for k in 0..<inner { (dst + k).initialize(to: src[p]); p += innerStride }
                    }
                    dst += inner
                    // Advance the odometer over the outer dimensions.
                    var d = rank - 2
                    while d >= 0 {
                        index[d] += 1
                        base += strides[d]
                        if index[d] < shape[d] { break }
                        base -= strides[d] * shape[d]
                        index[d] = 0
                        d -= 1
                    }
                }
                initialized = total
            }
        }
    }
}

extension StridedCopy {
    /// The case where the last two output axes are a transpose of the input's contiguous axis (NCHW <-> NHWC
    /// and every 2-D transpose): copied in 32x32 tiles so reads and writes both stay in cache.
    private func tiledTranspose<T: TensorElement>(_ values: [T], total: Int) -> [T] {
        let rank = shape.count
        let rows = shape[rank - 2], cols = shape[rank - 1], colStride = strides[rank - 1]
        let tile = 32
        return values.withUnsafeBufferPointer { srcBuf in
            let src = srcBuf.baseAddress!
            return [T](unsafeUninitializedCapacity: total) { out, initialized in
                var dst = out.baseAddress!
                var index = [Int](repeating: 0, count: rank)
                var base = offset
                for _ in 0..<(total / (rows * cols)) {
                    for r0 in stride(from: 0, to: rows, by: tile) {
                        let r1 = min(r0 + tile, rows)
                        for c0 in stride(from: 0, to: cols, by: tile) {
                            let c1 = min(c0 + tile, cols)
                            for r in r0..<r1 {
                                let d = dst + r * cols, s = src + base + r
                                for c in c0..<c1 { (d + c).initialize(to: s[c * colStride]) }
                            }
                        }
                    }
                    dst += rows * cols
                    var d = rank - 3
                    while d >= 0 {
                        index[d] += 1
                        base += strides[d]
                        if index[d] < shape[d] { break }
                        base -= strides[d] * shape[d]
                        index[d] = 0
                        d -= 1
                    }
                }
                initialized = total
            }
        }
    }

    /// The transpose of a tensor of `shape` by `perm` (output axis i is input axis perm[i]).
    static func transpose(_ shape: [Int], perm: [Int]) -> StridedCopy {
        let s = ShapeMath.strides(shape)
        return StridedCopy(shape: perm.map { shape[$0] }, strides: perm.map { s[$0] })
    }
}

/// Gathers with an index list per output axis: `out[i0, ..., ik] = in[maps[0][i0], ..., maps[k][ik]]`, or
/// `fill` where any map entry is -1. Used by Pad (reflect, edge, wrap, constant) and nearest Resize.
struct AxisMapGather: ArrayTransform {
    let inShape: [Int]
    let maps: [[Int]]
    /// A one-element tensor of the output type, used where a map entry is -1.
    let fill: TensorData?

    func apply<T: TensorElement>(_ values: [T]) throws -> [T] {
        let rank = inShape.count
        let outShape = maps.map(\.count)
        let total = outShape.reduce(1, *)
        guard maps.count == rank else { throw OpError("internal: \(maps.count) axis maps for rank \(rank)") }
        if total == 0 { return [] }
        let strides = ShapeMath.strides(inShape)
        var needsFill = false
        // Offsets per axis, validated against the input bounds.
        var offsets: [[Int]] = []
        for d in 0..<rank {
            offsets.append(try maps[d].map { i in
                if i < 0 { needsFill = true; return -1 }
                guard i < inShape[d] else { throw OpError("internal: index \(i) outside axis of length \(inShape[d])") }
                return i * strides[d]
            })
        }
        var fillValue = T.zero
        if needsFill, let fill {
            guard let v = fill.firstElement(as: T.self) else {
                throw OpError("the fill value's type \(fill.dtype.name) differs from the data's")
            }
            fillValue = v
        }
        if rank == 0 { return values }
        let inner = offsets[rank - 1]
        let innerCount = inner.count
        return values.withUnsafeBufferPointer { srcBuf in
            let src = srcBuf.baseAddress!
            return [T](unsafeUninitializedCapacity: total) { out, initialized in
                var dst = out.baseAddress!
                var index = [Int](repeating: 0, count: rank)
                let rows = total / innerCount
                for _ in 0..<rows {
                    var base = 0, filled = false
                    for d in 0..<(rank - 1) {
                        let o = offsets[d][index[d]]
                        if o < 0 { filled = true; break }
                        base += o
                    }
                    if filled {
                        dst.initialize(repeating: fillValue, count: innerCount)
                    } else {
                        for k in 0..<innerCount {
                            let o = inner[k]
                            (dst + k).initialize(to: o < 0 ? fillValue : src[base + o])
                        }
                    }
                    dst += innerCount
                    var d = rank - 2
                    while d >= 0 {
                        index[d] += 1
                        if index[d] < outShape[d] { break }
                        index[d] = 0
                        d -= 1
                    }
                }
                initialized = total
            }
        }
    }
}

extension TensorData {
    /// The first element when this data holds elements of type `T`.
    func firstElement<T: TensorElement>(as type: T.Type) -> T? {
        switch self {
        case .float(let a): return a.first as? T
        case .uint8(let a): return a.first as? T
        case .int8(let a): return a.first as? T
        case .int32(let a): return a.first as? T
        case .int64(let a): return a.first as? T
        case .bool(let a): return a.first as? T
        }
    }

    /// `count` copies of this data's first element (same type), or nil when it is empty.
    func repeatingFirst(count: Int) throws -> TensorData {
        guard self.count > 0 else { throw OpError("the fill value is empty") }
        return try map(RepeatFirst(count: count))
    }
}

/// `count` copies of an array's first element.
struct RepeatFirst: ArrayTransform {
    let count: Int
    func apply<T: TensorElement>(_ values: [T]) throws -> [T] { Array(repeating: values[0], count: count) }
}

/// Converts float values to `dtype` (rounding to nearest and saturating for integer types).
func convertFloats(_ values: [Float], to dtype: DType) -> TensorData {
    func sat<I: FixedWidthInteger>(_ v: Float, _ t: I.Type) -> I {
        if v.isNaN { return 0 }
        let r = v.rounded(.toNearestOrEven)
        if r <= Float(I.min) { return I.min }
        if r >= Float(I.max) { return I.max }
        return I(r)
    }
    switch dtype {
    case .float: return .float(values)
    case .uint8: return .uint8(values.map { sat($0, UInt8.self) })
    case .int8: return .int8(values.map { sat($0, Int8.self) })
    case .int32: return .int32(values.map { sat($0, Int32.self) })
    case .int64: return .int64(values.map { sat($0, Int64.self) })
    case .bool: return .bool(values.map { $0 != 0 })
    }
}

extension ShapeMath {
    /// Like `axis`, but a rank-0 tensor has no axis at all (`axis` accepts 0 there).
    static func existingAxis(_ a: Int, rank: Int) throws -> Int {
        guard rank > 0 else { throw OpError("a scalar has no axis \(a)") }
        return try axis(a, rank: rank)
    }
}

extension Array where Element == Tensor? {
    /// An optional input holding integers (axes, pads, sizes), or nil when omitted or empty-named.
    func intList(_ i: Int) -> [Int]? { optional(i)?.ints() }
}

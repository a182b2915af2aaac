/// An n-dimensional array with a shape and typed elements. A value type: copies share storage until written.
public struct Tensor {
    public var shape: [Int]
    public var data: TensorData

    /// Largest element count qscope will allocate (16 GiB of float32): absurd shapes fail with a message.
    public static let maxElements = 1 << 32

    public init(shape: [Int], data: TensorData) {
        self.shape = shape
        self.data = data
    }

    public init(shape: [Int], floats: [Float]) { self.init(shape: shape, data: .float(floats)) }
    public init(shape: [Int], int64s: [Int64]) { self.init(shape: shape, data: .int64(int64s)) }
    public init(scalar: Float) { self.init(shape: [], data: .float([scalar])) }

    public var dtype: DType { data.dtype }
    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The element count of `shape`, or an error when a dimension is negative or the product is absurd.
    public static func elementCount(_ shape: [Int], what: String = "a tensor") throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else { throw QScopeError.tooLarge(what: what, shape: shape) }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else { throw QScopeError.tooLarge(what: what, shape: shape) }
            n = p
        }
        return n
    }

    /// A tensor of zeros, checking the shape first.
    public static func zeros(_ dtype: DType, shape: [Int]) throws -> Tensor {
        Tensor(shape: shape, data: .zeros(dtype, count: try elementCount(shape)))
    }

    /// The float elements, or an error naming the actual type.
    public func floats() throws -> [Float] {
        if case .float(let a) = data { return a }
        throw OpError("expected a float32 tensor, got \(dtype.name)")
    }

    /// Elements converted to Int64 (for shapes, axes, indices). Floats are truncated.
    public func int64s() -> [Int64] {
        switch data {
        case .float(let a): return a.map { $0.isFinite ? Int64(max(min($0, 9.2e18), -9.2e18)) : 0 }
        case .uint8(let a): return a.map { Int64($0) }
        case .int8(let a): return a.map { Int64($0) }
        case .int32(let a): return a.map { Int64($0) }
        case .int64(let a): return a
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        }
    }

    /// Elements converted to Int (for shapes and axes).
    public func ints() -> [Int] { int64s().map { Int($0) } }

    /// Elements converted to Float.
    public func asFloats() -> [Float] {
        switch data {
        case .float(let a): return a
        case .uint8(let a): return a.map { Float($0) }
        case .int8(let a): return a.map { Float($0) }
        case .int32(let a): return a.map { Float($0) }
        case .int64(let a): return a.map { Float($0) }
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        }
    }

    /// Returns the same elements with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard try Tensor.elementCount(newShape) == count else {
            throw OpError("cannot reshape \(shape) (\(count) elements) to \(newShape)")
        }
        return Tensor(shape: newShape, data: data)
    }
}

/// Shape arithmetic shared by the operators.
public enum ShapeMath {
    /// Row-major strides of a shape.
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = Array(repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// Normalizes a possibly negative axis against a rank, or throws.
    public static func axis(_ a: Int, rank: Int) throws -> Int {
        let r = a < 0 ? a + rank : a
        guard r >= 0 && r < max(rank, 1) else { throw OpError("axis \(a) is out of range for rank \(rank)") }
        return r
    }

    /// Numpy-style broadcast of several shapes.
    public static func broadcast(_ shapes: [[Int]]) throws -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var out = Array(repeating: 1, count: rank)
        for s in shapes {
            let off = rank - s.count
            for (i, d) in s.enumerated() {
                let o = out[off + i]
                if o == d || d == 1 { continue }
                if o == 1 { out[off + i] = d; continue }
                throw OpError("shapes \(shapes.map { "\($0)" }.joined(separator: " and ")) cannot be broadcast together")
            }
        }
        return out
    }

    /// For each output element of `outShape`, the index of the element of `inShape` that broadcasts to it.
    public static func broadcastIndices(from inShape: [Int], to outShape: [Int]) -> [Int] {
        let rank = outShape.count
        let padded = Array(repeating: 1, count: rank - inShape.count) + inShape
        let inStrides = strides(padded)
        let total = outShape.reduce(1, *)
        var result = [Int](repeating: 0, count: total)
        if total == 0 { return result }
        var idx = [Int](repeating: 0, count: rank)
        var src = 0
        for o in 0..<total {
            result[o] = src
            var d = rank - 1
            while d >= 0 {
                idx[d] += 1
                if padded[d] != 1 { src += inStrides[d] }
                if idx[d] < outShape[d] { break }
                if padded[d] != 1 { src -= inStrides[d] * outShape[d] }
                idx[d] = 0
                d -= 1
            }
        }
        return result
    }
}

/// The elements of a tensor, in row-major order, tagged by element type.
public enum TensorData {
    case float([Float])
    case uint8([UInt8])
    case int8([Int8])
    case int32([Int32])
    case int64([Int64])
    case bool([Bool])

    public var dtype: DType {
        switch self {
        case .float: return .float
        case .uint8: return .uint8
        case .int8: return .int8
        case .int32: return .int32
        case .int64: return .int64
        case .bool: return .bool
        }
    }

    public var count: Int {
        switch self {
        case .float(let a): return a.count
        case .uint8(let a): return a.count
        case .int8(let a): return a.count
        case .int32(let a): return a.count
        case .int64(let a): return a.count
        case .bool(let a): return a.count
        }
    }

    /// `count` zeros of the given type.
    public static func zeros(_ dtype: DType, count: Int) -> TensorData {
        switch dtype {
        case .float: return .float(Array(repeating: 0, count: count))
        case .uint8: return .uint8(Array(repeating: 0, count: count))
        case .int8: return .int8(Array(repeating: 0, count: count))
        case .int32: return .int32(Array(repeating: 0, count: count))
        case .int64: return .int64(Array(repeating: 0, count: count))
        case .bool: return .bool(Array(repeating: false, count: count))
        }
    }

    /// Applies a type-independent rearrangement (gather, transpose, slice) to the elements.
    public func map(_ transform: some ArrayTransform) throws -> TensorData {
        switch self {
        case .float(let a): return .float(try transform.apply(a))
        case .uint8(let a): return .uint8(try transform.apply(a))
        case .int8(let a): return .int8(try transform.apply(a))
        case .int32(let a): return .int32(try transform.apply(a))
        case .int64(let a): return .int64(try transform.apply(a))
        case .bool(let a): return .bool(try transform.apply(a))
        }
    }

    /// Combines several arrays of one element type (concat, where). Throws when the types differ.
    public static func combine(_ parts: [TensorData], _ transform: some MultiArrayTransform) throws -> TensorData {
        guard let first = parts.first else { throw OpError("no inputs to combine") }
        for p in parts where p.dtype != first.dtype {
            throw OpError("inputs have different element types (\(first.dtype.name) and \(p.dtype.name))")
        }
        func all<T>(_ pick: (TensorData) -> [T]?) -> [[T]] { parts.map { pick($0)! } }
        switch first {
        case .float: return .float(try transform.apply(all { if case .float(let a) = $0 { a } else { nil } }))
        case .uint8: return .uint8(try transform.apply(all { if case .uint8(let a) = $0 { a } else { nil } }))
        case .int8: return .int8(try transform.apply(all { if case .int8(let a) = $0 { a } else { nil } }))
        case .int32: return .int32(try transform.apply(all { if case .int32(let a) = $0 { a } else { nil } }))
        case .int64: return .int64(try transform.apply(all { if case .int64(let a) = $0 { a } else { nil } }))
        case .bool: return .bool(try transform.apply(all { if case .bool(let a) = $0 { a } else { nil } }))
        }
    }
}

/// A rearrangement of elements that does not depend on their type.
public protocol ArrayTransform {
    func apply<T: TensorElement>(_ values: [T]) throws -> [T]
}

/// A combination of several same-typed arrays into one (concat, where, ...).
public protocol MultiArrayTransform {
    func apply<T: TensorElement>(_ values: [[T]]) throws -> [T]
}

/// Gathers elements by a precomputed index list: the common form of every data-movement operator.
public struct GatherTransform: ArrayTransform {
    public let indices: [Int]
    public init(_ indices: [Int]) { self.indices = indices }
    public func apply<T: TensorElement>(_ values: [T]) throws -> [T] {
        try values.withUnsafeBufferPointer { src in
            try indices.map { i in
                guard i >= 0 && i < src.count else { throw OpError("index \(i) out of range 0..<\(src.count)") }
                return src[i]
            }
        }
    }
}

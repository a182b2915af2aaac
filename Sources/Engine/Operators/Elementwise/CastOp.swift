/// Cast: converts between float32, int32, int64, int8, uint8 and bool. Floats convert to integers by
/// truncation toward zero, saturating at the type's range (NaN becomes 0); integers narrow by wrapping, as C
/// and numpy do; anything nonzero becomes true.
final class CastOp: Operator {
    let target: DType

    init(_ context: BuildContext) throws {
        guard let to = try context.node.int("to") else { throw OpError("Cast needs a 'to' attribute") }
        guard let t = DType(rawValue: to) else {
            throw OpError("Cast to \(castTypeName(to)) is not supported (qscope computes with float32, int32, int64, int8, uint8 and bool)")
        }
        target = t
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        return [Tensor(shape: x.shape, data: cast(x.data, to: target))]
    }
}

/// CastLike: casts the first input to the element type of the second.
final class CastLikeOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0), like = try inputs.required(1)
        return [Tensor(shape: x.shape, data: cast(x.data, to: like.dtype))]
    }
}

/// Element conversion for Cast.
func cast(_ data: TensorData, to target: DType) -> TensorData {
    if data.dtype == target { return data }
    switch data {
    case .float(let a):
        switch target {
        case .float: return data
        case .int32: return .int32(a.map(saturating))
        case .int64: return .int64(a.map(saturating))
        case .int8: return .int8(a.map(saturating))
        case .uint8: return .uint8(a.map(saturating))
        case .bool: return .bool(a.map { $0 != 0 })
        }
    case .bool(let a):
        switch target {
        case .float: return .float(a.map { $0 ? 1 : 0 })
        case .int32: return .int32(a.map { $0 ? 1 : 0 })
        case .int64: return .int64(a.map { $0 ? 1 : 0 })
        case .int8: return .int8(a.map { $0 ? 1 : 0 })
        case .uint8: return .uint8(a.map { $0 ? 1 : 0 })
        case .bool: return data
        }
    case .int32(let a): return castInteger(a, to: target)
    case .int64(let a): return castInteger(a, to: target)
    case .int8(let a): return castInteger(a, to: target)
    case .uint8(let a): return castInteger(a, to: target)
    }
}

private func castInteger<S: BinaryInteger>(_ a: [S], to target: DType) -> TensorData {
    switch target {
    case .float: return .float(a.map { Float($0) })
    case .int32: return .int32(a.map { Int32(truncatingIfNeeded: $0) })
    case .int64: return .int64(a.map { Int64(truncatingIfNeeded: $0) })
    case .int8: return .int8(a.map { Int8(truncatingIfNeeded: $0) })
    case .uint8: return .uint8(a.map { UInt8(truncatingIfNeeded: $0) })
    case .bool: return .bool(a.map { $0 != 0 })
    }
}

/// Float to integer without trapping: truncate, saturate, NaN to 0.
@inline(__always)
func saturating<T: FixedWidthInteger>(_ v: Float) -> T {
    if v.isNaN { return 0 }
    if v <= Float(T.min) { return T.min }
    if v >= Float(T.max) { return T.max }
    return T(v)
}

/// ONNX type names, including the narrow float and integer types newer than DType.onnxName's list.
private func castTypeName(_ raw: Int) -> String {
    let narrow = [17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ", 21: "UINT4",
                  22: "INT4", 23: "FLOAT4E2M1", 24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2"]
    return narrow[raw] ?? DType.onnxName(raw)
}

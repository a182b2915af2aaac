/// Deterministic stand-in inputs for when the user gives none: the same values on every machine and run.
public enum SyntheticInput {
    /// Uniform values in [0, 1) for floats, small non-negative integers otherwise, from a fixed-seed generator.
    public static func make(shape: [Int], dtype: DType, seed: UInt64 = 0x5eed) throws -> Tensor {
        let n = try Tensor.elementCount(shape, what: "the synthesized input")
        var state = seed
        func next() -> UInt64 {
            // SplitMix64: tiny, fast and well distributed.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        switch dtype {
        case .float: return Tensor(shape: shape, floats: (0..<n).map { _ in Float(next() >> 40) / Float(1 << 24) })
        case .bool: return Tensor(shape: shape, data: .bool((0..<n).map { _ in next() & 1 == 1 }))
        default:
            let t = Tensor(shape: shape, int64s: (0..<n).map { _ in Int64(next() % 4) })
            return Tensor(shape: shape, data: try castInt64s(t.int64s(), to: dtype))
        }
    }

    private static func castInt64s(_ v: [Int64], to dtype: DType) throws -> TensorData {
        switch dtype {
        case .int64: return .int64(v)
        case .int32: return .int32(v.map { Int32($0) })
        case .int8: return .int8(v.map { Int8($0) })
        case .uint8: return .uint8(v.map { UInt8($0) })
        case .float: return .float(v.map { Float($0) })
        case .bool: return .bool(v.map { $0 != 0 })
        }
    }
}

import Engine

/// How close a computed float tensor must be to its reference: `|got - expected| <= atol + rtol * |expected|`
/// element-wise (numpy's `allclose` rule, which the ONNX backend tests use).
public struct Tolerance: Sendable {
    public var rtol: Double
    public var atol: Double

    public init(rtol: Double, atol: Double) {
        self.rtol = rtol
        self.atol = atol
    }

    /// The ONNX backend-test defaults are rtol 1e-3, atol 1e-7; atol gets a little slack because qscope's
    /// kernels may sum in a different order than the reference (results near zero differ by a few ulps).
    public static let conformance = Tolerance(rtol: 1e-3, atol: 1e-5)
}

/// Why a computed tensor does not match its reference.
public struct Mismatch: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        case shape
        case dtype
        case values
    }

    public let kind: Kind
    public let message: String
    /// Flat index of the first differing element (value mismatches only).
    public let firstIndex: Int?

    public var description: String { message }
}

/// Element-wise comparison of a computed tensor with a reference tensor.
public enum TensorComparison {
    /// Returns nil when `got` matches `expected`: same shape, same element type, and values equal (integers,
    /// bools) or within `tolerance` (floats). NaN matches NaN; an infinity matches only the same infinity.
    public static func compare(got: Tensor, expected: Tensor, tolerance: Tolerance = .conformance) -> Mismatch? {
        guard got.shape == expected.shape else {
            return Mismatch(kind: .shape, message: "shape \(got.shape), expected \(expected.shape)", firstIndex: nil)
        }
        guard got.dtype == expected.dtype else {
            return Mismatch(kind: .dtype, message: "element type \(got.dtype.name), expected \(expected.dtype.name)",
                            firstIndex: nil)
        }
        guard got.count == expected.count else {
            // A malformed tensor (element count disagrees with its shape); report it rather than index past it.
            return Mismatch(kind: .shape, message: "\(got.count) elements, expected \(expected.count) (shape \(expected.shape))",
                            firstIndex: nil)
        }
        switch (got.data, expected.data) {
        case let (.float(g), .float(e)): return compareFloats(g, e, shape: expected.shape, tolerance: tolerance)
        case let (.uint8(g), .uint8(e)): return compareExact(g, e, shape: expected.shape)
        case let (.int8(g), .int8(e)): return compareExact(g, e, shape: expected.shape)
        case let (.int32(g), .int32(e)): return compareExact(g, e, shape: expected.shape)
        case let (.int64(g), .int64(e)): return compareExact(g, e, shape: expected.shape)
        case let (.bool(g), .bool(e)): return compareExact(g, e, shape: expected.shape)
        default:
            return Mismatch(kind: .dtype, message: "element type \(got.dtype.name), expected \(expected.dtype.name)",
                            firstIndex: nil)
        }
    }

    /// Whether one float element is close enough to its reference.
    public static func close(_ got: Float, _ expected: Float, tolerance: Tolerance) -> Bool {
        if got.isNaN || expected.isNaN { return got.isNaN && expected.isNaN }
        if got.isInfinite || expected.isInfinite { return got == expected }
        let diff = abs(Double(got) - Double(expected))
        return diff <= tolerance.atol + tolerance.rtol * abs(Double(expected))
    }

    static func compareFloats(_ got: [Float], _ expected: [Float], shape: [Int], tolerance: Tolerance) -> Mismatch? {
        var first: Int?
        var bad = 0
        var maxError = 0.0
        for i in 0..<expected.count where !close(got[i], expected[i], tolerance: tolerance) {
            if first == nil { first = i }
            bad += 1
            let d = abs(Double(got[i]) - Double(expected[i]))
            if d.isFinite { maxError = max(maxError, d) }
        }
        guard let first else { return nil }
        let message = "value mismatch at index \(first) \(position(first, shape: shape)): got \(got[first]), "
            + "expected \(expected[first]) (\(bad) of \(expected.count) elements differ; max abs error "
            + "\(Float(maxError)); tolerance atol \(tolerance.atol) + rtol \(tolerance.rtol)*|expected|)"
        return Mismatch(kind: .values, message: message, firstIndex: first)
    }

    static func compareExact<T: Equatable>(_ got: [T], _ expected: [T], shape: [Int]) -> Mismatch? {
        guard let first = expected.indices.first(where: { got[$0] != expected[$0] }) else { return nil }
        let bad = zip(got, expected).reduce(0) { $0 + ($1.0 != $1.1 ? 1 : 0) }
        let message = "value mismatch at index \(first) \(position(first, shape: shape)): got \(got[first]), "
            + "expected \(expected[first]) (\(bad) of \(expected.count) elements differ; exact match required)"
        return Mismatch(kind: .values, message: message, firstIndex: first)
    }

    /// The multi-dimensional position of a flat row-major index, e.g. `[0, 2, 1]`.
    public static func position(_ flat: Int, shape: [Int]) -> [Int] {
        var rest = flat
        var pos = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            pos[d] = rest % shape[d]
            rest /= shape[d]
        }
        return pos
    }
}
